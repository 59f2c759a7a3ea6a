using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace ActorTrading.Actors.Serialization;

/// <summary>
/// The one map between types and their stable, versioned names (<c>bot.created.v1</c>), shared by the event serializer
/// (what is stored) and the message serializer (what crosses nodes). A name is declared per type, never taken from the
/// CLR name, so that renaming a class never orphans stored history or breaks a node of another version. An older
/// version stays readable through a legacy reader that converts it to today's type.
/// </summary>
public sealed partial class ManifestRegistry
{
    private readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo TypeInfo)> _writers;
    private readonly FrozenDictionary<string, Func<ReadOnlyMemory<byte>, object>> _readers;
    private readonly Func<string, Exception> _unknown;

    private ManifestRegistry(Dictionary<Type, (string, JsonTypeInfo)> writers, Dictionary<string, Func<ReadOnlyMemory<byte>, object>> readers,
        Func<string, Exception> unknown)
    {
        _writers = writers.ToFrozenDictionary();
        _readers = readers.ToFrozenDictionary(StringComparer.Ordinal);
        _unknown = unknown;
    }

    /// <summary>The manifests this registry can read.</summary>
    public IEnumerable<string> KnownManifests => _readers.Keys;

    /// <summary>The types this registry can write.</summary>
    public IEnumerable<Type> KnownTypes => _writers.Keys;

    /// <summary>Starts a registry whose errors are made by <paramref name="unknown"/> (from a message that names the type or manifest).</summary>
    public static Builder Create(Func<string, Exception> unknown) => new(unknown);

    /// <summary>Whether <paramref name="type"/> has a name here.</summary>
    public bool IsRegistered(Type type) => _writers.ContainsKey(type);

    /// <summary>The manifest and JSON of a registered value; throws for any other type, naming it.</summary>
    public (string Manifest, byte[] Payload) Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = Writer(value.GetType());
        return (writer.Manifest, JsonSerializer.SerializeToUtf8Bytes(value, writer.TypeInfo));
    }

    /// <summary>The manifest a registered value is written under; throws for any other type, naming it.</summary>
    public string ManifestOf(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Writer(value.GetType()).Manifest;
    }

    /// <summary>Writes a registered value to <paramref name="json"/> and answers its manifest (for values inside other values).</summary>
    public string Write(Utf8JsonWriter json, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var writer = Writer(value.GetType());
        JsonSerializer.Serialize(json, value, writer.TypeInfo);
        return writer.Manifest;
    }

    /// <summary>Reads a payload by its manifest; throws for an unknown manifest, naming it.</summary>
    public object Deserialize(string manifest, ReadOnlyMemory<byte> payload) =>
        _readers.TryGetValue(manifest, out var reader)
            ? reader(payload)
            : throw _unknown($"manifest '{manifest}' is not registered; known: {string.Join(", ", _readers.Keys.Order(StringComparer.Ordinal))}");

    private (string Manifest, JsonTypeInfo TypeInfo) Writer(Type type) =>
        _writers.TryGetValue(type, out var writer)
            ? writer
            : throw _unknown($"type {type.FullName} has no manifest; register it with a stable name and version");

    [GeneratedRegex("^[a-z0-9]+([.-][a-z0-9]+)*$")]
    private static partial Regex NamePattern();

    /// <summary>Registers the named types.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<Type, (string, JsonTypeInfo)> _writers = [];
        private readonly Dictionary<string, Func<ReadOnlyMemory<byte>, object>> _readers = new(StringComparer.Ordinal);
        private readonly Func<string, Exception> _unknown;

        internal Builder(Func<string, Exception> unknown) => _unknown = unknown;

        /// <summary>Registers <paramref name="typeInfo"/>'s type as version <paramref name="version"/> of <paramref name="name"/>:
        /// new values are written under that manifest.</summary>
        public Builder Add(string name, int version, JsonTypeInfo typeInfo)
        {
            ArgumentNullException.ThrowIfNull(typeInfo);
            var manifest = Manifest(name, version);
            if (!_writers.TryAdd(typeInfo.Type, (manifest, typeInfo)))
            {
                throw new ArgumentException($"type {typeInfo.Type.FullName} is registered twice", nameof(typeInfo));
            }

            AddReader(manifest, payload => Read(manifest, payload, typeInfo));
            return this;
        }

        /// <summary>Registers an older shape (version <paramref name="version"/> of <paramref name="name"/>) that is only
        /// read, and converted to today's type by <paramref name="upcast"/>.</summary>
        public Builder AddLegacy(string name, int version, JsonTypeInfo typeInfo, Func<object, object> upcast)
        {
            ArgumentNullException.ThrowIfNull(typeInfo);
            var manifest = Manifest(name, version);
            AddReader(manifest, payload => upcast(Read(manifest, payload, typeInfo)));
            return this;
        }

        /// <summary>The registry.</summary>
        public ManifestRegistry Build() => new(_writers, _readers, _unknown);

        private static object Read(string manifest, ReadOnlyMemory<byte> payload, JsonTypeInfo typeInfo) =>
            JsonSerializer.Deserialize(payload.Span, typeInfo) ?? throw new JsonException($"the payload of '{manifest}' is null");

        private static string Manifest(string name, int version)
        {
            if (!NamePattern().IsMatch(name))
            {
                throw new ArgumentException($"name '{name}' must be lower-case words separated by '.' or '-' (e.g. subscription.order-placed)", nameof(name));
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
            return $"{name}.v{version}";
        }

        private void AddReader(string manifest, Func<ReadOnlyMemory<byte>, object> reader)
        {
            if (!_readers.TryAdd(manifest, reader))
            {
                throw new ArgumentException($"manifest '{manifest}' is registered twice", nameof(manifest));
            }
        }
    }
}
