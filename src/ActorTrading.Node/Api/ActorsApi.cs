using System.Collections.Immutable;
using System.Globalization;
using ActorTrading.Actors;

namespace ActorTrading.Node.Api;

/// <summary>
/// <c>/api/v1/admin/actors</c> (admin token): the actor system (name, address, uptime, actors, dead letters, dispatcher
/// threads) and the tree of actors under a path with each one's mailbox depth, for the CLI's <c>actor</c> palette
/// (Petabridge.Cmd's <c>actor system</c> and <c>actor hierarchy</c>). Read through <see cref="ActorInspection"/>, so a
/// stuck actor is shown as it is rather than waited for.
/// </summary>
internal static class ActorsApi
{
    /// <summary>The deepest tree one call walks: deeper paths are reached with a longer <c>path</c>.</summary>
    public const int MaxDepth = 32;

    /// <summary>The system's figures.</summary>
    private sealed record SystemResponse(string Name, string Address, DateTimeOffset StartTime, double UptimeSeconds, string Uptime, int Actors,
        long DeadLetters, List<DispatcherResponse> Dispatchers);

    /// <summary>A dispatcher and its threads: the default one is the .NET thread pool.</summary>
    private sealed record DispatcherResponse(string Name, string Kind, int Threads);

    /// <summary>One actor: its mailbox depth, how many children it has, and those walked (empty past the depth asked).</summary>
    private sealed record ActorNode(string Path, string Name, int MailboxDepth, int ChildCount, List<ActorNode> Children);

    public static void MapActorsApi(this IEndpointRouteBuilder app, IEndpointFilter admin)
    {
        var actors = app.MapGroup("/api/v1/admin/actors").AddEndpointFilter(admin);
        actors.MapGet("/system", GetSystem).WithName("GetActorSystem");
        actors.MapGet("/", GetHierarchy).WithName("GetActorHierarchy");
    }

    private static IResult GetSystem(ActorSystem system)
    {
        var uptime = system.Uptime;
        var dispatchers = new List<DispatcherResponse> { new("default", "thread-pool", ThreadPool.ThreadCount) };
        dispatchers.AddRange(system.Settings.Dispatchers.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => new DispatcherResponse(d.Key, "dedicated-threads", d.Value)));
        return Results.Json(new SystemResponse(system.Name, system.Address.ToString(), system.StartTime, Math.Round(uptime.TotalSeconds, 3),
            uptime.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture), Count(ActorInspection.RootGuardian(system)), system.DeadLetterCount, dispatchers));
    }

    private static IResult GetHierarchy(ActorSystem system, string? path, int? depth)
    {
        var levels = depth ?? 4;
        if (levels is < 0 or > MaxDepth)
        {
            return Problems.Invalid("depth", $"must be between 0 and {MaxDepth}, not {levels}");
        }

        if (!TryElements(system, path ?? "/", out var elements, out var problem))
        {
            return Problems.Invalid("path", problem);
        }

        var actor = ActorInspection.RootGuardian(system);
        foreach (var element in elements)
        {
            if (ActorInspection.GetChildren(actor).FirstOrDefault(child => child.Path.Name == element) is not { } child)
            {
                return Results.Problem($"path: no actor at /{string.Join('/', elements)} (no child '{element}' under {actor.Path.ToStringWithoutAddress()})",
                    statusCode: StatusCodes.Status404NotFound);
            }

            actor = child;
        }

        return Results.Json(Walk(actor, levels));
    }

    // "/user/bots", "user/bots" or the whole "akka://actortrading/user/bots" (the form the system's own lines print).
    private static bool TryElements(ActorSystem system, string path, out ImmutableArray<string> elements, out string problem)
    {
        problem = "";
        elements = [];
        if (path.Contains("://", StringComparison.Ordinal))
        {
            if (!ActorPath.TryParse(path, out var parsed) || parsed is null)
            {
                problem = $"'{path}' is not an actor path (/user/a/b or akka://{system.Name}/user/a/b)";
                return false;
            }

            if (parsed.System != system.Name)
            {
                problem = $"'{path}' names system '{parsed.System}'; this node's is '{system.Name}'";
                return false;
            }

            elements = parsed.Elements;
            return true;
        }

        elements = [.. path.Split('/', StringSplitOptions.RemoveEmptyEntries)];
        return true;
    }

    private static ActorNode Walk(IActorRef actor, int levels)
    {
        var children = ActorInspection.GetChildren(actor);
        return new ActorNode(actor.Path.ToStringWithoutAddress(), actor.Path.Name, ActorInspection.NumberOfMessages(actor) ?? 0, children.Count,
            levels == 0 ? [] : [.. children.Select(child => Walk(child, levels - 1))]);
    }

    private static int Count(IActorRef actor) => 1 + ActorInspection.GetChildren(actor).Sum(Count);
}
