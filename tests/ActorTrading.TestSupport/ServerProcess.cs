using System.Diagnostics;

namespace ActorTrading.TestSupport;

/// <summary>Runs a PostgreSQL tool (initdb, pg_ctl, …), as the server's OS user when that is another user.</summary>
internal static class ServerProcess
{
    /// <summary>Runs <paramref name="program"/> and returns its exit code, its output and the command line (for messages).</summary>
    public static async Task<(int ExitCode, string Output, string Command)> ExecuteAsync(
        string program, IReadOnlyList<string> arguments, string? runAs, string workingDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server's user may not be able to enter the current directory; it can enter this one.
            WorkingDirectory = workingDirectory,
        };
        if (runAs is not null)
        {
            info.FileName = "runuser";
            foreach (var a in (string[])["-u", runAs, "--", program])
            {
                info.ArgumentList.Add(a);
            }
        }
        else
        {
            info.FileName = program;
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        var command = info.FileName + " " + string.Join(' ', info.ArgumentList);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start: {command}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, $"stdout: {(await stdout).Trim()}{Environment.NewLine}stderr: {(await stderr).Trim()}", command);
    }
}
