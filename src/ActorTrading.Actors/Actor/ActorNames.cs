namespace ActorTrading.Actors;

/// <summary>Rules for actor names, which are path elements.</summary>
public static class ActorNames
{
    /// <summary>Throws <see cref="InvalidActorNameException"/> for a name that cannot be a path element.</summary>
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidActorNameException("actor name must not be empty");
        }

        if (name[0] == '$')
        {
            throw new InvalidActorNameException($"actor name [{name}] must not start with '$' (reserved for generated names)");
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "-_.*$+:@&=,!~';%".Contains(c)))
            {
                throw new InvalidActorNameException(
                    $"actor name [{name}] contains '{c}'; use ASCII letters, digits and -_.*$+:@&=,!~';% (escape others with Uri.EscapeDataString)");
            }
        }
    }
}
