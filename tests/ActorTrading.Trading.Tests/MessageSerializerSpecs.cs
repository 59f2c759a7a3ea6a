using System.Collections;
using System.Reflection;
using System.Text;
using ActorTrading.Actors.Serialization;
using ActorTrading.Actors.Sharding;
using ActorTrading.Trading;

namespace ActorTrading.Trading.Tests;

public sealed class MessageSerializerSpecs : TestKitBase
{
    private readonly MessageSerializer _serializer;

    public MessageSerializerSpecs() => _serializer = TradingMessages.Create(Sys.Provider);

    /// <summary>Every nested record of every *Protocol class of trading, and every sharding message of the kernel.</summary>
    private static IEnumerable<Type> CrossNodeCandidates() =>
        typeof(TradingMessages).Assembly.GetTypes()
            .Where(type => type.IsNested && type.IsNestedPublic && type.DeclaringType is { } owner && owner.Name.EndsWith("Protocol", StringComparison.Ordinal))
            .Concat(typeof(ShardingEnvelope).Assembly.GetTypes()
                .Where(type => type.IsPublic && type.Namespace == "ActorTrading.Actors.Sharding" && !type.Name.EndsWith("Settings", StringComparison.Ordinal)))
            .Where(IsRecord)
            .OrderBy(type => type.FullName, StringComparer.Ordinal);

    [Fact]
    public void Every_cross_node_message_round_trips_through_the_serializer_equal_to_itself()
    {
        var checkedTypes = new List<string>();
        var failures = new List<string>();
        foreach (var type in CrossNodeCandidates().Where(type => !type.IsDefined(typeof(NodeLocalAttribute), inherit: false)))
        {
            checkedTypes.Add(type.Name);
            try
            {
                var sample = Sample(type, type.Name);
                var serialized = _serializer.Serialize(sample);
                var back = _serializer.Deserialize(serialized.Manifest, serialized.Payload);
                if (!DeepEqual(sample, back))
                {
                    failures.Add($"{type.FullName}: differs after a round trip: {Encoding.UTF8.GetString(serialized.Payload)}");
                }
            }
            catch (Exception exception)
            {
                failures.Add($"{type.FullName}: {exception.GetType().Name}: {exception.Message}");
            }
        }

        failures.ShouldBeEmpty(string.Join(Environment.NewLine, failures));
        // The reflection found the protocols at all (a renamed namespace must not make this spec pass on nothing).
        checkedTypes.ShouldContain("CreateBot");
        checkedTypes.ShouldContain("TradeSignal");
        checkedTypes.ShouldContain("ShardingEnvelope");
        checkedTypes.ShouldContain("GetEntityLocation");
    }

    [Fact]
    public void Only_messages_marked_node_local_are_left_out_and_they_are_refused_naming_the_type()
    {
        CrossNodeCandidates().Where(type => type.IsDefined(typeof(NodeLocalAttribute), inherit: false)).Select(type => type.Name)
            .ShouldBe(["Call", "CallEnded", "Passivate", "Run", "ShardHomesLost", "StopShards"], ignoreOrder: true);

        var run = new AccountGatewayProtocol.Run("acc-1", (_, _) => Task.FromResult<object>(0));
        Should.Throw<UnknownMessageTypeException>(() => _serializer.Serialize(run)).Message.ShouldContain(typeof(AccountGatewayProtocol.Run).FullName ?? "Run");
        Should.Throw<ArgumentException>(() => MessageSerializer.Create().Add<AccountGatewayProtocol.Run>("gateway.run", 1)).Message.ShouldContain("node-local");
    }

    [Fact]
    public void An_unknown_manifest_is_refused_naming_the_manifest()
    {
        var exception = Should.Throw<UnknownMessageTypeException>(() => _serializer.Deserialize("bot.launch-rocket.v1", "{}"u8.ToArray()));

        exception.Message.ShouldContain("'bot.launch-rocket.v1'");
        exception.Message.ShouldContain("bot.create-bot.v1");
    }

    [Fact]
    public void A_message_type_without_a_manifest_is_refused_naming_the_type()
    {
        Should.Throw<UnknownMessageTypeException>(() => _serializer.Serialize(new NotRegistered("x"))).Message.ShouldContain(typeof(NotRegistered).FullName ?? nameof(NotRegistered));
    }

    [Fact]
    public void A_ref_inside_a_message_travels_as_its_path_with_address_and_resolves_to_the_same_actor()
    {
        var actor = Sys.ActorOf(Props.Create<Silent>(), "reply-here");
        var location = new EntityLocation("bot-1", "7", Sys.Provider.Address, actor);

        var serialized = _serializer.Serialize(location);
        var back = (EntityLocation)_serializer.Deserialize(serialized.Manifest, serialized.Payload);

        Encoding.UTF8.GetString(serialized.Payload).ShouldContain(actor.Path.ToSerializationFormatWithAddress(Sys.Provider.Address));
        back.EntityRef.ShouldBe(actor);
    }

    [Fact]
    public void A_sharding_envelope_carries_its_message_under_the_message_s_own_manifest()
    {
        var envelope = new ShardingEnvelope("bot-1", new BotProtocol.PauseBot("bot-1", ActorRefs.Nobody));

        var serialized = _serializer.Serialize(envelope);

        Encoding.UTF8.GetString(serialized.Payload).ShouldBe("""{"entity_id":"bot-1","manifest":"bot.pause-bot.v1","message":{"bot_id":"bot-1","reply_to":"nobody"}}""");
        _serializer.Deserialize(serialized.Manifest, serialized.Payload).ShouldBe(envelope);
    }

    private sealed record NotRegistered(string Value);

    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null;

    private object Sample(Type type, string hint)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return Sample(inner, hint);
        }

        if (type == typeof(string))
        {
            return hint;
        }

        if (type == typeof(int))
        {
            return 7;
        }

        if (type == typeof(long))
        {
            return 42L;
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(decimal))
        {
            return 12.5m;
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
        }

        if (type == typeof(TimeSpan))
        {
            return TimeSpan.FromSeconds(90);
        }

        if (type.IsEnum)
        {
            // The last member, never the default, so that a member lost on the way shows.
            var values = Enum.GetValues(type);
            return values.GetValue(values.Length - 1) ?? throw new InvalidOperationException(type.Name);
        }

        if (type == typeof(IActorRef))
        {
            // A live actor: a probe's ref is not one the provider resolves.
            return Sys.ActorOf(Props.Create<Silent>());
        }

        if (type == typeof(Address))
        {
            return Sys.Provider.Address;
        }

        if (type == typeof(object))
        {
            // What an envelope carries: a registered message.
            return new BotProtocol.ResumeBot(hint, ActorRefs.Nobody);
        }

        if (type == typeof(IReadOnlyList<string>))
        {
            return new List<string> { hint + "-1", hint + "-2" };
        }

        if (type == typeof(IReadOnlySet<string>))
        {
            return new HashSet<string>(StringComparer.Ordinal) { hint + "-1", hint + "-2" };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var list = (IList)(Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments()[0])) ?? throw new InvalidOperationException(type.Name));
            list.Add(Sample(type.GetGenericArguments()[0], hint));
            return list;
        }

        var constructor = type.GetConstructors()
            .Where(candidate => !candidate.GetParameters().Any(parameter => parameter.ParameterType == type))
            .OrderByDescending(candidate => candidate.GetParameters().Length)
            .FirstOrDefault() ?? throw new InvalidOperationException($"the spec cannot make a sample of {type.FullName}: teach Sample its shape");
        var arguments = constructor.GetParameters().Select(parameter => Sample(parameter.ParameterType, parameter.Name ?? hint)).ToArray();
        return constructor.Invoke(arguments);
    }

    private static bool DeepEqual(object? expected, object? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null;
        }

        if (expected is string || expected.GetType().IsPrimitive || expected.GetType().IsEnum || expected is decimal or DateTimeOffset or TimeSpan or IActorRef or Address)
        {
            return expected.Equals(actual);
        }

        if (expected is IEnumerable expectedItems && actual is IEnumerable actualItems)
        {
            var left = expectedItems.Cast<object?>().ToList();
            var right = actualItems.Cast<object?>().ToList();
            return left.Count == right.Count && left.Zip(right).All(pair => DeepEqual(pair.First, pair.Second));
        }

        return expected.GetType() == actual.GetType()
            && expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(property => property.GetIndexParameters().Length == 0)
                .All(property => DeepEqual(property.GetValue(expected), property.GetValue(actual)));
    }
}
