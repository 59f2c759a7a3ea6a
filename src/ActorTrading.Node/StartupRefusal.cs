using System.Net.Sockets;
using ActorTrading.Persistence.Hosting;
using Microsoft.AspNetCore.Connections;

namespace ActorTrading.Node;

/// <summary>
/// The failures at start that are an operator's to fix (a setting, a store in use or out of reach, a port taken): each is
/// one line naming what is wrong, and exit code 1. Anything else is a bug and keeps its stack trace.
/// </summary>
public static class StartupRefusal
{
    /// <summary>The line for <paramref name="exception"/>, or null when it is not a refusal.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        InvalidSettingException or StoreInUseException or StoreUnavailableException => exception.Message,
        Cluster.Postgres.DuplicateMemberException => $"{Trimmed(exception.Message)} (give each node its own --urls or ActorTrading:Cluster:Address)",

        // Kestrel wraps the bind failure: "Failed to bind to address http://127.0.0.1:5000: address already in use."
        IOException { InnerException: AddressInUseException } => $"{Trimmed(exception.Message)} (another process listens there: choose another with --urls)",
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.AccessDenied } } => $"{Trimmed(exception.Message)} (not allowed for this user: choose another port with --urls)",
        _ => null,
    };

    private static string Trimmed(string message) => message.TrimEnd('.', ' ');
}
