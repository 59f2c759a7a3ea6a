using System.Collections.Immutable;
using System.Globalization;

namespace ActorTrading.Actors;

/// <summary>
/// Where an actor lives: its system's <see cref="Address"/> and the names from the root, printed as Akka does
/// (<c>akka://system/user/parent/child</c>, <c>akka.tcp://system@host:port/user/a</c>). The <see cref="Uid"/> tells apart two
/// incarnations under the same name; it is not part of <see cref="ToString"/> (it is of <see cref="ToSerializationFormat"/>).
/// </summary>
public sealed record ActorPath(Address Address, ImmutableArray<string> Elements, long Uid = 0)
{
    /// <summary>The system's name.</summary>
    public string System => Address.System;

    /// <summary>The last element, the actor's name ("" for the root).</summary>
    public string Name => Elements.IsEmpty ? "" : Elements[^1];

    /// <summary>The parent's path (the root is its own parent).</summary>
    public ActorPath Parent => Elements.IsEmpty ? this : this with { Elements = Elements.RemoveAt(Elements.Length - 1), Uid = 0 };

    /// <summary>The root's path of the same system.</summary>
    public ActorPath Root => Elements.IsEmpty && Uid == 0 ? this : new ActorPath(Address, []);

    /// <summary>The path without the address: <c>/user/a/b</c>.</summary>
    public string ToStringWithoutAddress() => "/" + string.Join('/', Elements);

    /// <summary>The path with its own address (the same as <see cref="ToString"/>).</summary>
    public string ToStringWithAddress() => ToString();

    /// <summary>The path with <paramref name="address"/> in place of a local one: what another node needs to reach the actor
    /// (Akka: a path that has a host keeps its own).</summary>
    public string ToStringWithAddress(Address address) => (Address.HasGlobalScope ? Address : address) + ToStringWithoutAddress();

    /// <summary>The path with its uid (<c>akka://system/user/a#42</c>): what a ref is serialized as, so that a reply to it
    /// never reaches a later incarnation under the same name.</summary>
    public string ToSerializationFormat() => AppendUid(ToString());

    /// <summary>As <see cref="ToSerializationFormat()"/>, with <paramref name="address"/> in place of a local one.</summary>
    public string ToSerializationFormatWithAddress(Address address) => AppendUid(ToStringWithAddress(address));

    /// <summary>A child path.</summary>
    public ActorPath Child(string name, long uid = 0) => new(Address, Elements.Add(name), uid);

    /// <summary>Parses <c>akka://system/a/b</c> or <c>akka.tcp://system@host:port/a/b</c>, with an optional <c>#uid</c>;
    /// throws <see cref="FormatException"/> naming the part that is wrong.</summary>
    public static ActorPath Parse(string path) =>
        TryParse(path, out var parsed, out var problem) && parsed is not null ? parsed : throw new FormatException($"actor path '{path}': {problem}");

    /// <summary>Parses an actor path; false when it is not one.</summary>
    public static bool TryParse(string path, out ActorPath? actorPath) => TryParse(path, out actorPath, out _);

    /// <summary>Equality: the same address and elements; the uid counts only when both sides have one.</summary>
    public bool Equals(ActorPath? other) =>
        other is not null && Address.Equals(other.Address) && Elements.SequenceEqual(other.Elements)
        && (Uid == 0 || other.Uid == 0 || Uid == other.Uid);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Address);
        foreach (var element in Elements)
        {
            hash.Add(element);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => Address + ToStringWithoutAddress();

    private static bool TryParse(string path, out ActorPath? actorPath, out string? problem)
    {
        actorPath = null;
        ArgumentNullException.ThrowIfNull(path);
        var (address, rest, addressProblem) = Address.ParsePrefix(path);
        if (address is null)
        {
            problem = addressProblem;
            return false;
        }

        var uid = 0L;
        var hashMark = rest.IndexOf('#', StringComparison.Ordinal);
        if (hashMark >= 0)
        {
            var uidText = rest[(hashMark + 1)..];
            if (!long.TryParse(uidText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out uid) || uid == 0)
            {
                problem = $"uid '{uidText}' after '#' must be a non-zero whole number";
                return false;
            }

            rest = rest[..hashMark];
        }

        var elements = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length > 0 && elements.Length > 0 && rest.Contains("//", StringComparison.Ordinal))
        {
            problem = "has an empty element ('//')";
            return false;
        }

        problem = null;
        actorPath = new ActorPath(address, [.. elements], uid);
        return true;
    }

    private string AppendUid(string text) => Uid == 0 ? text : string.Create(CultureInfo.InvariantCulture, $"{text}#{Uid}");
}
