using System.Collections.Immutable;

namespace ActorTrading.Actors;

/// <summary>
/// Where an actor lives: <c>actor://system/user/parent/child</c>. The <see cref="Uid"/> tells apart two
/// incarnations under the same name; it is not part of the textual path and not used by lookups.
/// </summary>
public sealed record ActorPath(string System, ImmutableArray<string> Elements, long Uid = 0)
{
    /// <summary>The scheme of local paths.</summary>
    public const string Scheme = "actor";

    /// <summary>The last element, the actor's name ("" for the root).</summary>
    public string Name => Elements.IsEmpty ? "" : Elements[^1];

    /// <summary>The parent's path (the root is its own parent).</summary>
    public ActorPath Parent => Elements.IsEmpty ? this : this with { Elements = Elements.RemoveAt(Elements.Length - 1), Uid = 0 };

    /// <summary>The path without the system: <c>/user/a/b</c>.</summary>
    public string ToStringWithoutAddress() => "/" + string.Join('/', Elements);

    /// <summary>A child path.</summary>
    public ActorPath Child(string name, long uid = 0) => new(System, Elements.Add(name), uid);

    /// <summary>Parses <c>actor://system/a/b</c>.</summary>
    public static ActorPath Parse(string path)
    {
        var prefix = Scheme + "://";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"actor path '{path}' must start with '{prefix}'");
        }

        var rest = path[prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var system = slash < 0 ? rest : rest[..slash];
        var elements = slash < 0
            ? ImmutableArray<string>.Empty
            : [.. rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries)];
        return new ActorPath(system, elements);
    }

    /// <summary>Equality ignores the uid-less/uid-full difference only when one side has no uid.</summary>
    public bool Equals(ActorPath? other) =>
        other is not null && System == other.System && Elements.SequenceEqual(other.Elements)
        && (Uid == 0 || other.Uid == 0 || Uid == other.Uid);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(System);
        foreach (var element in Elements)
        {
            hash.Add(element);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Scheme}://{System}/{string.Join('/', Elements)}";
}
