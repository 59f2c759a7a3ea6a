using System.Text.Json.Serialization.Metadata;
using ActorTrading.Actors.Serialization;

namespace ActorTrading.Persistence;

/// <summary>An event or snapshot as stored: its versioned name and its UTF-8 JSON.</summary>
public readonly record struct SerializedPayload(string Manifest, byte[] Payload);

/// <summary>
/// Turns events and snapshots into stored bytes and back. Every stored type has a short, stable,
/// versioned name (<c>subscription.order-placed.v1</c>), never its CLR name, so that renaming a class
/// never orphans stored history. All names are mapped here, in one place; an unknown type or name
/// throws. An older version stays readable through a legacy reader that converts it to today's type.
/// JSON comes from System.Text.Json source-generated type info (no reflection at run time). The names are kept by the
/// kernel's <see cref="ManifestRegistry"/>, which the message serializer shares.
/// </summary>
public sealed class EventSerializer
{
    private readonly ManifestRegistry _registry;

    private EventSerializer(ManifestRegistry registry) => _registry = registry;

    /// <summary>The manifests this serializer can read.</summary>
    public IEnumerable<string> KnownManifests => _registry.KnownManifests;

    /// <summary>Starts a registry.</summary>
    public static Builder Create() => new();

    /// <summary>Serializes a registered type; throws <see cref="UnknownEventTypeException"/> for any other.</summary>
    public SerializedPayload Serialize(object value)
    {
        var (manifest, payload) = _registry.Serialize(value);
        return new SerializedPayload(manifest, payload);
    }

    /// <summary>Reads a stored payload; throws <see cref="UnknownEventTypeException"/> for an unknown manifest.</summary>
    public object Deserialize(string manifest, byte[] payload) => _registry.Deserialize(manifest, payload);

    /// <summary>Registers the stored types.</summary>
    public sealed class Builder
    {
        private readonly ManifestRegistry.Builder _registry = ManifestRegistry.Create(message => new UnknownEventTypeException("stored " + message));

        internal Builder()
        {
        }

        /// <summary>Registers <typeparamref name="T"/> as version <paramref name="version"/> of <paramref name="name"/>:
        /// new values are written under that manifest.</summary>
        public Builder Add<T>(string name, int version, JsonTypeInfo<T> typeInfo)
            where T : notnull
        {
            _registry.Add(name, version, typeInfo);
            return this;
        }

        /// <summary>Registers an older shape <typeparamref name="TOld"/> (version <paramref name="version"/> of
        /// <paramref name="name"/>) that is only read, and converted to today's type by <paramref name="upcast"/>.</summary>
        public Builder AddLegacy<TOld>(string name, int version, JsonTypeInfo<TOld> typeInfo, Func<TOld, object> upcast)
        {
            _registry.AddLegacy(name, version, typeInfo, old => upcast((TOld)old));
            return this;
        }

        /// <summary>The serializer.</summary>
        public EventSerializer Build() => new(_registry.Build());
    }
}

/// <summary>A type or a stored manifest the serializer does not know.</summary>
public sealed class UnknownEventTypeException(string message) : Exception(message);
