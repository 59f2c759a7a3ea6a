using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace ActorTrading.Persistence;

/// <summary>An event or snapshot as stored: its versioned name and its UTF-8 JSON.</summary>
public readonly record struct SerializedPayload(string Manifest, byte[] Payload);

/// <summary>
/// Turns events and snapshots into stored bytes and back. Every stored type has a short, stable,
/// versioned name (<c>subscription.order-placed.v1</c>), never its CLR name, so that renaming a class
/// never orphans stored history. All names are mapped here, in one place; an unknown type or name
/// throws. An older version stays readable through a legacy reader that converts it to today's type.
/// JSON comes from System.Text.Json source-generated type info (no reflection at run time).
/// </summary>
public sealed partial class EventSerializer
{
    private readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo TypeInfo)> _writers;
    private readonly FrozenDictionary<string, Func<byte[], object>> _readers;

    private EventSerializer(Dictionary<Type, (string, JsonTypeInfo)> writers, Dictionary<string, Func<byte[], object>> readers)
    {
        _writers = writers.ToFrozenDictionary();
        _readers = readers.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The manifests this serializer can read.</summary>
    public IEnumerable<string> KnownManifests => _readers.Keys;

    /// <summary>Starts a registry.</summary>
    public static Builder Create() => new();

    /// <summary>Serializes a registered type; throws <see cref="UnknownEventTypeException"/> for any other.</summary>
    public SerializedPayload Serialize(object value)
    {
        if (!_writers.TryGetValue(value.GetType(), out var writer))
        {
            throw new UnknownEventTypeException(
                $"type {value.GetType().FullName} has no stored name; register it with EventSerializer.Create().Add<{value.GetType().Name}>(name, version, typeInfo)");
        }

        return new SerializedPayload(writer.Manifest, JsonSerializer.SerializeToUtf8Bytes(value, writer.TypeInfo));
    }

    /// <summary>Reads a stored payload; throws <see cref="UnknownEventTypeException"/> for an unknown manifest.</summary>
    public object Deserialize(string manifest, byte[] payload) =>
        _readers.TryGetValue(manifest, out var reader)
            ? reader(payload)
            : throw new UnknownEventTypeException($"stored manifest '{manifest}' is not registered; known: {string.Join(", ", _readers.Keys.Order(StringComparer.Ordinal))}");

    [GeneratedRegex("^[a-z0-9]+([.-][a-z0-9]+)*$")]
    private static partial Regex NamePattern();

    /// <summary>Registers the stored types.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<Type, (string, JsonTypeInfo)> _writers = [];
        private readonly Dictionary<string, Func<byte[], object>> _readers = new(StringComparer.Ordinal);

        internal Builder()
        {
        }

        /// <summary>Registers <typeparamref name="T"/> as version <paramref name="version"/> of <paramref name="name"/>:
        /// new values are written under that manifest.</summary>
        public Builder Add<T>(string name, int version, JsonTypeInfo<T> typeInfo)
            where T : notnull
        {
            var manifest = Manifest(name, version);
            if (!_writers.TryAdd(typeof(T), (manifest, typeInfo)))
            {
                throw new ArgumentException($"type {typeof(T).FullName} is registered twice", nameof(typeInfo));
            }

            AddReader(manifest, payload => JsonSerializer.Deserialize(payload, typeInfo)!);
            return this;
        }

        /// <summary>Registers an older shape <typeparamref name="TOld"/> (version <paramref name="version"/> of
        /// <paramref name="name"/>) that is only read, and converted to today's type by <paramref name="upcast"/>.</summary>
        public Builder AddLegacy<TOld>(string name, int version, JsonTypeInfo<TOld> typeInfo, Func<TOld, object> upcast)
        {
            AddReader(Manifest(name, version), payload => upcast(JsonSerializer.Deserialize(payload, typeInfo)!));
            return this;
        }

        /// <summary>The serializer.</summary>
        public EventSerializer Build() => new(_writers, _readers);

        private static string Manifest(string name, int version)
        {
            if (!NamePattern().IsMatch(name))
            {
                throw new ArgumentException($"stored name '{name}' must be lower-case words separated by '.' or '-' (e.g. subscription.order-placed)", nameof(name));
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
            return $"{name}.v{version}";
        }

        private void AddReader(string manifest, Func<byte[], object> reader)
        {
            if (!_readers.TryAdd(manifest, reader))
            {
                throw new ArgumentException($"manifest '{manifest}' is registered twice", nameof(manifest));
            }
        }
    }
}

/// <summary>A type or a stored manifest the serializer does not know.</summary>
public sealed class UnknownEventTypeException(string message) : Exception(message);
