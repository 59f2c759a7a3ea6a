namespace ActorTrading.Actors;

internal sealed partial class ActorCell
{
    // Messages put back by Unstash: processed before anything still in the channel.
    private LinkedList<Envelope>? _unstashed;

    internal Envelope CurrentEnvelope => _currentEnvelope;

    public bool HasUnstashed => _unstashed is { Count: > 0 };

    public bool TryTakeUnstashed(out Envelope envelope)
    {
        if (_unstashed?.First is { } first)
        {
            envelope = first.Value;
            _unstashed.RemoveFirst();
            return true;
        }

        envelope = default;
        return false;
    }

    /// <summary>Puts envelopes ahead of everything still in the mailbox, keeping their order: ahead of earlier
    /// unstashed ones too, unless <paramref name="behindEarlierUnstashed"/>.</summary>
    internal void Unstash(IReadOnlyList<Envelope> envelopes, bool behindEarlierUnstashed = false)
    {
        _unstashed ??= new LinkedList<Envelope>();
        if (behindEarlierUnstashed)
        {
            foreach (var envelope in envelopes)
            {
                _unstashed.AddLast(envelope);
            }

            return;
        }

        for (var i = envelopes.Count - 1; i >= 0; i--)
        {
            _unstashed.AddFirst(envelopes[i]);
        }
    }

    /// <summary>Runs a handler as if <paramref name="sender"/> had sent <paramref name="message"/> (persist handlers
    /// see the sender of the command that persisted).</summary>
    internal void WithSender(IActorRef? sender, object message, Action<object> handler)
    {
        var previous = _currentEnvelope;
        _currentEnvelope = new Envelope(message, sender);
        try
        {
            handler(message);
        }
        finally
        {
            _currentEnvelope = previous;
        }
    }

    internal void StopChildrenForRestart() => StopAllChildren(releaseNames: true);
}
