namespace ActorTrading.Actors;

/// <summary>Messages set aside to be processed later (Akka's <c>IStash</c>).</summary>
public interface IStash
{
    /// <summary>Sets the current message aside.</summary>
    void Stash();

    /// <summary>Puts the oldest stashed message back at the head of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts every stashed message back at the head of the mailbox, in the order stashed.</summary>
    void UnstashAll();

    /// <summary>Drops the stash and returns what it held.</summary>
    IReadOnlyList<object> ClearStash();

    /// <summary>How many messages are stashed.</summary>
    int Count { get; }
}

/// <summary>An actor's stash. <paramref name="behindEarlierUnstashed"/> is for the persistent actor's internal
/// stash: what it holds arrived after anything the actor unstashed itself, so it goes behind it, not ahead.</summary>
internal sealed class ActorStash(ActorCell cell, bool behindEarlierUnstashed = false) : IStash
{
    private readonly LinkedList<Envelope> _stashed = new();

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (current.Message is null)
        {
            throw new InvalidOperationException("Stash() can only be called while processing a message");
        }

        _stashed.AddLast(current);
    }

    public void Unstash()
    {
        if (_stashed.First is { } first)
        {
            _stashed.RemoveFirst();
            cell.Unstash([first.Value]);
        }
    }

    public void UnstashAll()
    {
        if (_stashed.Count == 0)
        {
            return;
        }

        var envelopes = _stashed.ToArray();
        _stashed.Clear();
        cell.Unstash(envelopes, behindEarlierUnstashed);
    }

    public IReadOnlyList<object> ClearStash()
    {
        var messages = _stashed.Select(envelope => envelope.Message).ToArray();
        _stashed.Clear();
        return messages;
    }

    public void DeadLetterAll()
    {
        foreach (var envelope in _stashed)
        {
            cell.System.DeadLetters.Tell(new DeadLetter(envelope.Message, envelope.Sender, cell.Self), envelope.Sender);
        }

        _stashed.Clear();
    }
}
