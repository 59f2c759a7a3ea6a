using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ActorTrading.Actors.Sharding;

namespace ActorTrading.Actors.Serialization;

/// <summary>
/// The message serializer over System.Text.Json source-generated metadata, with the names kept by a
/// <see cref="ManifestRegistry"/> (the event serializer's machinery). JSON is snake_case with enums as strings and nulls
/// left out (small on the wire); refs are written as their path with address; a <see cref="ShardingEnvelope"/> carries its
/// message with that message's own manifest.
/// </summary>
public sealed class MessageSerializer : IMessageSerializer
{
    // One writer per thread, pointed at each caller's buffer in turn: a Utf8JsonWriter is a class, and one per message
    // was most of what a remote tell allocated.
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly ManifestRegistry _registry;

    private MessageSerializer(ManifestRegistry registry) => _registry = registry;

    /// <summary>The types this serializer can write.</summary>
    public IEnumerable<Type> KnownTypes => _registry.KnownTypes;

    /// <summary>The manifests this serializer can read.</summary>
    public IEnumerable<string> KnownManifests => _registry.KnownManifests;

    /// <summary>Starts a registry with the kernel's own messages (sharding) registered.</summary>
    public static Builder Create() => KernelMessages.Register(new Builder());

    /// <summary>Whether <paramref name="type"/> has a manifest here.</summary>
    public bool IsRegistered(Type type) => _registry.IsRegistered(type);

    /// <inheritdoc/>
    public SerializedMessage Serialize(object message)
    {
        var (manifest, payload) = _registry.Serialize(message);
        return new SerializedMessage(manifest, payload);
    }

    /// <inheritdoc/>
    public string Serialize(object message, IBufferWriter<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(payload, new JsonWriterOptions { SkipValidation = true });
            t_writer = writer;
        }
        else
        {
            writer.Reset(payload);
        }

        try
        {
            var manifest = _registry.Write(writer, message);
            writer.Flush();
            return manifest;
        }
        finally
        {
            // The writer must not keep the caller's buffer alive, nor half a message after a failure.
            writer.Reset(Stream.Null);
        }
    }

    /// <inheritdoc/>
    public object Deserialize(string manifest, ReadOnlyMemory<byte> payload) => _registry.Deserialize(manifest, payload);

    /// <summary>Registers the message types and the source-generated metadata they come from.</summary>
    public sealed class Builder
    {
        private readonly List<IJsonTypeInfoResolver> _resolvers = [];
        private readonly List<(string Name, int Version, Type Type)> _types = [];

        internal Builder()
        {
        }

        /// <summary>Adds source-generated metadata (a <see cref="JsonSerializerContext"/>) for the types registered next.</summary>
        public Builder WithResolver(IJsonTypeInfoResolver resolver)
        {
            ArgumentNullException.ThrowIfNull(resolver);
            _resolvers.Add(resolver);
            return this;
        }

        /// <summary>Registers <typeparamref name="T"/> as version <paramref name="version"/> of <paramref name="name"/>.</summary>
        public Builder Add<T>(string name, int version)
            where T : notnull
        {
            if (typeof(T).IsDefined(typeof(NodeLocalAttribute), inherit: false))
            {
                throw new ArgumentException($"type {typeof(T).FullName} is marked node-local and never crosses nodes", nameof(name));
            }

            _types.Add((name, version, typeof(T)));
            return this;
        }

        /// <summary>The serializer of a system whose refs <paramref name="provider"/> makes and resolves.</summary>
        public MessageSerializer Build(IActorRefProvider provider)
        {
            ArgumentNullException.ThrowIfNull(provider);
            var registry = ManifestRegistry.Create(message => new UnknownMessageTypeException(message));
            // The envelope's converter needs the registry that is being built: it reads it through this holder.
            var holder = new ManifestRegistry[1];
            var kernel = new KernelTypesResolver(provider, holder);
            var options = new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
                TypeInfoResolver = JsonTypeInfoResolver.Combine([kernel, .. _resolvers]),
                Converters = { new JsonStringEnumConverter() },
            };
            options.MakeReadOnly();
            foreach (var (name, version, type) in _types)
            {
                registry.Add(name, version, options.GetTypeInfo(type));
            }

            holder[0] = registry.Build();
            return new MessageSerializer(holder[0]);
        }
    }

    /// <summary>The kernel's types that are written as values: refs, paths, addresses, and the envelope.</summary>
    private sealed class KernelTypesResolver(IActorRefProvider provider, ManifestRegistry[] registry) : IJsonTypeInfoResolver
    {
        public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
            type == typeof(IActorRef) ? JsonMetadataServices.CreateValueInfo<IActorRef>(options, new ActorRefConverter(provider))
            : type == typeof(ActorPath) ? JsonMetadataServices.CreateValueInfo<ActorPath>(options, new ActorPathConverter())
            : type == typeof(Address) ? JsonMetadataServices.CreateValueInfo<Address>(options, new AddressConverter())
            : type == typeof(IReadOnlySet<string>) ? JsonMetadataServices.CreateValueInfo<IReadOnlySet<string>>(options, new StringSetConverter())
            : type == typeof(ShardingEnvelope) ? JsonMetadataServices.CreateValueInfo<ShardingEnvelope>(options, new ShardingEnvelopeConverter(registry))
            : null;
    }

    private sealed class ActorRefConverter(IActorRefProvider provider) : JsonConverter<IActorRef>
    {
        private const string Nobody = "nobody";

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var path = reader.GetString() ?? throw new JsonException("an actor ref must be a path string");
            return path == Nobody ? ActorRefs.Nobody : provider.ResolveActorRef(path);
        }

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            // With the address, so that the receiving node answers to this one; Nobody has no system to name.
            writer.WriteStringValue(ReferenceEquals(value, ActorRefs.Nobody) ? Nobody : value.Path.ToSerializationFormatWithAddress(provider.Address));
    }

    private sealed class ActorPathConverter : JsonConverter<ActorPath>
    {
        public override ActorPath Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            ActorPath.Parse(reader.GetString() ?? throw new JsonException("an actor path must be a string"));

        public override void Write(Utf8JsonWriter writer, ActorPath value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToSerializationFormat());
    }

    private sealed class AddressConverter : JsonConverter<Address>
    {
        public override Address Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Address.Parse(reader.GetString() ?? throw new JsonException("an address must be a string"));

        public override void Write(Utf8JsonWriter writer, Address value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    /// <summary>A set of strings as a JSON array (System.Text.Json cannot make an <see cref="IReadOnlySet{T}"/> itself).</summary>
    private sealed class StringSetConverter : JsonConverter<IReadOnlySet<string>>
    {
        public override IReadOnlySet<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("a set must be an array of strings");
            }

            var set = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                set.Add(reader.GetString() ?? throw new JsonException("a set holds strings, not null"));
            }

            return set;
        }

        public override void Write(Utf8JsonWriter writer, IReadOnlySet<string> value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var item in value)
            {
                writer.WriteStringValue(item);
            }

            writer.WriteEndArray();
        }
    }

    /// <summary>Writes <c>{"entity_id":..,"manifest":..,"message":{..}}</c>: the inner message keeps its own name.</summary>
    private sealed class ShardingEnvelopeConverter(ManifestRegistry[] registry) : JsonConverter<ShardingEnvelope>
    {
        public override ShardingEnvelope Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var entityId = Property(root, "entity_id").GetString() ?? throw new JsonException("a sharding envelope needs entity_id");
            var manifest = Property(root, "manifest").GetString() ?? throw new JsonException("a sharding envelope needs manifest");
            var message = Property(root, "message").GetRawText();
            return new ShardingEnvelope(entityId, registry[0].Deserialize(manifest, System.Text.Encoding.UTF8.GetBytes(message)));
        }

        public override void Write(Utf8JsonWriter writer, ShardingEnvelope value, JsonSerializerOptions options)
        {
            // The manifest comes from the type, so the message is written in place rather than to a buffer first.
            writer.WriteStartObject();
            writer.WriteString("entity_id", value.EntityId);
            writer.WriteString("manifest", registry[0].ManifestOf(value.Message));
            writer.WritePropertyName("message");
            registry[0].Write(writer, value.Message);
            writer.WriteEndObject();
        }

        private static JsonElement Property(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) ? value : throw new JsonException($"a sharding envelope needs {name}");
    }
}
