using System.Collections.Immutable;
using System.Text.RegularExpressions;

namespace ActorTrading.Actors;

/// <summary>
/// Actors found by path, resolved when a message is sent: absolute (<c>/user/a/b</c>), relative to an
/// actor (<c>../sibling</c>, <c>child/grandchild</c>), with <c>*</c> and <c>?</c> wildcards in an element.
/// </summary>
public sealed class ActorSelection
{
    private readonly ActorCell _anchor;
    private readonly ImmutableArray<string> _elements;

    private ActorSelection(ActorCell anchor, ImmutableArray<string> elements)
    {
        _anchor = anchor;
        _elements = elements;
    }

    /// <summary>The path as given, relative to its anchor.</summary>
    public string PathString => string.Join('/', _elements);

    /// <summary>Tells every actor the selection resolves to; a dead letter when there is none.</summary>
    public void Tell(object message, IActorRef? sender = null)
    {
        var targets = Resolve();
        if (targets.Count == 0)
        {
            _anchor.System.DeadLetters.Tell(new DeadLetter(message, sender, _anchor.System.DeadLetters), sender);
            return;
        }

        foreach (var target in targets)
        {
            target.Tell(message, sender);
        }
    }

    /// <summary>The one live actor at this path, or <see cref="ActorNotFoundException"/>.</summary>
    public Task<IActorRef> ResolveOne(TimeSpan timeout)
    {
        _ = timeout; // Local resolution is immediate; the timeout matters once selections can cross nodes.
        var targets = Resolve();
        return targets.Count == 1
            ? Task.FromResult<IActorRef>(targets[0])
            : Task.FromException<IActorRef>(new ActorNotFoundException(
                $"actor selection [{_anchor.SelfRef.Path}/{PathString}] resolved to {targets.Count} live actors, not one"));
    }

    internal static ActorSelection Parse(ActorCell anchor, string path)
    {
        var root = anchor;
        while (root.Parent is LocalActorRef parent)
        {
            root = parent.Cell;
        }

        if (path.Contains("://", StringComparison.Ordinal))
        {
            var parsed = ActorPath.Parse(path);
            return parsed.Address.Equals(anchor.System.Address) || parsed.Address.Equals(Address.Local(anchor.System.Name))
                ? new ActorSelection(root, parsed.Elements)
                : throw new ActorNotFoundException($"actor path [{path}] names another system than [{anchor.System.Address}]");
        }

        var elements = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToImmutableArray();
        return new ActorSelection(path.StartsWith('/') ? root : anchor, elements);
    }

    private List<LocalActorRef> Resolve()
    {
        var current = new List<ActorCell> { _anchor };
        foreach (var element in _elements)
        {
            var next = new List<ActorCell>();
            foreach (var cell in current)
            {
                if (element == "..")
                {
                    next.Add(cell.Parent is LocalActorRef parent ? parent.Cell : cell);
                }
                else if (element == ".")
                {
                    next.Add(cell);
                }
                else if (element.Contains('*', StringComparison.Ordinal) || element.Contains('?', StringComparison.Ordinal))
                {
                    var pattern = new Regex("^" + Regex.Escape(element).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");
                    next.AddRange(cell.GetChildren().OfType<LocalActorRef>().Where(child => pattern.IsMatch(child.Path.Name)).Select(child => child.Cell));
                }
                else if (cell.ChildByName(element) is { } child)
                {
                    next.Add(child.Cell);
                }
            }

            current = next;
        }

        return [.. current.Where(cell => !cell.IsTerminated).Select(cell => cell.SelfRef)];
    }
}
