using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Actors.Sharding;
using static ActorTrading.Trading.ClaimEvents;
using static ActorTrading.Trading.ClaimProtocol;

namespace ActorTrading.Trading;

/// <summary>A claim's state (pure): who holds the key, and since when.</summary>
public sealed record ClaimState(string? Owner, DateTimeOffset? Since)
{
    /// <summary>Nobody holds it.</summary>
    public static ClaimState Free { get; } = new(null, null);

    /// <summary>The next state.</summary>
    public ClaimState Apply(object @event) => @event switch
    {
        ClaimMade made => new ClaimState(made.Owner, made.At),
        ClaimReleased => Free,
        _ => this,
    };

    /// <summary>What a command does: the event to store (if any) and the answer.</summary>
    public (object? Event, object Reply) Decide(object command, DateTimeOffset now) => command switch
    {
        Claim c when Owner == c.Owner => (null, new Claimed(c.Key, c.Owner)),
        Claim c when Owner is null || Owner == c.Replacing => (new ClaimMade(c.Key, c.Owner, now), new Claimed(c.Key, c.Owner)),
        Claim c => (null, Held(c.Key)),
        Release r when Owner is null => (null, new Released(r.Key)),
        Release r when Owner == r.Owner => (new ClaimReleased(r.Key, r.Owner, now), new Released(r.Key)),
        Release r => (null, Held(r.Key)),
        GetClaim g => (null, new CurrentClaim(g.Key, Owner, Since)),
        _ => throw new ArgumentException($"not a claim command: {command.GetType().Name}", nameof(command)),
    };

    private Taken Held(string key) => new(key, Owner ?? "", Since ?? DateTimeOffset.MinValue);
}

/// <summary>
/// One key that at most one owner holds across the cluster: the entity is the only writer of its journal, so two
/// claims of one key at the same moment are decided one after the other. A key nobody holds is passivated as soon as
/// it has answered, so a guessed token or path leaves nothing in memory; so is a subscription's (bot, account) key, asked
/// only when a subscription is made or cancelled, which would otherwise stay in memory beside every idle subscription.
/// </summary>
public sealed class ClaimEntity : ReceivePersistentActor
{
    private readonly bool _askedRarely;
    private ClaimState _state = ClaimState.Free;

    /// <summary>Creates the entity.</summary>
    public ClaimEntity(string key)
    {
        _askedRarely = ClaimKeys.IsAskedRarely(key);
        PersistenceId = "claim-" + key;
        Recover<object>(e => _state = _state.Apply(e));
        Command<TradingRegions.StopEntity>(_ => Context.Stop(Self));
        Command<IWithClaimKey>(command =>
        {
            var (@event, reply) = _state.Decide(command, Context.System.TimeProvider.GetUtcNow());
            if (@event is null)
            {
                command.ReplyTo.Tell(reply, Self);
                PassivateWhenDone();
                return;
            }

            Persist(@event, stored =>
            {
                _state = _state.Apply(stored);
                command.ReplyTo.Tell(reply, Self);
                PassivateWhenDone();
            });
        });
    }

    /// <inheritdoc/>
    public override string PersistenceId { get; }

    private void PassivateWhenDone()
    {
        if (_state.Owner is null || _askedRarely)
        {
            Context.Parent.Tell(new Passivate(TradingRegions.StopEntity.Instance), Self);
        }
    }

    /// <summary>Starts the claim region.</summary>
    public static IActorRef StartRegion(ActorSystem system, TradingSettings? settings = null)
    {
        settings ??= new TradingSettings();
        return TradingRegions.StartRegion(system, "claim", key => Props.Create(() => new ClaimEntity(key)), new ClaimMessageExtractor(settings.NumberOfShards), settings);
    }
}
