using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ActorTrading.Persistence.CrashTests;

/// <summary>One acknowledgement printed by the harness: the pair ending at <paramref name="SequenceNr"/> is durable.</summary>
public sealed record Ack(string PersistenceId, long SequenceNr);

/// <summary>
/// The crash harness running as its own process (<c>dotnet ActorTrading.Persistence.CrashHarness.dll</c>,
/// copied next to this test assembly by the project reference), read line by line while it runs.
/// </summary>
internal sealed class HarnessProcess : IAsyncDisposable
{
    private const string HarnessDll = "ActorTrading.Persistence.CrashHarness.dll";
    private readonly Process _process;
    private readonly List<Ack> _acks = [];
    private readonly List<string> _malformed = [];
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _targetReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _ackTarget;
    private readonly Task _stdoutReader;
    private readonly Task _stderrReader;

    private HarnessProcess(Process process, int ackTarget)
    {
        _process = process;
        _ackTarget = ackTarget;
        _stdoutReader = Task.Run(ReadStdoutAsync);
        _stderrReader = Task.Run(ReadStderrAsync);
    }

    public static HarnessProcess Start(IReadOnlyList<string> storeArguments, int entities, string runId, int ackTarget)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, HarnessDll);
        if (!File.Exists(dll) || !File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"{dll} (with its runtimeconfig.json) is missing: build the solution (./test.sh does) so the project reference copies the harness here");
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Held open: the harness exits when it closes, so a test run that dies leaves no writer behind.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (IEnumerable<string>)[dll, .. storeArguments, "--entities", entities.ToString(CultureInfo.InvariantCulture), "--run-id", runId, "--exit-when-stdin-closes"])
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start dotnet {dll}");
        return new HarnessProcess(process, ackTarget);
    }

    /// <summary>Completes once <c>ackTarget</c> acknowledgements have been read; fails if the harness exits first.</summary>
    public Task AckTargetReached => _targetReached.Task;

    public int AckCount
    {
        get
        {
            lock (_acks)
            {
                return _acks.Count;
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Kills the harness with SIGKILL (no handler of its own runs), waits for it to exit, and returns every
    /// acknowledgement it printed: also those still in the pipe when it died, since each was printed only
    /// after its write had been acknowledged.
    /// </summary>
    public async Task<IReadOnlyList<Ack>> KillAsync(TimeSpan limit)
    {
        _process.Kill(entireProcessTree: true);
        using var deadline = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(deadline.Token);
        await _stdoutReader.WaitAsync(deadline.Token);
        await _stderrReader.WaitAsync(deadline.Token);
        lock (_acks)
        {
            _malformed.ShouldBeEmpty("every line on the harness's stdout is an acknowledgement");
            return [.. _acks];
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ');
            var reached = false;
            lock (_acks)
            {
                if (parts is ["ack", var id, var number] && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var sequenceNr))
                {
                    _acks.Add(new Ack(id, sequenceNr));
                    reached = _acks.Count >= _ackTarget;
                }
                else
                {
                    _malformed.Add(line);
                }
            }

            if (reached)
            {
                _targetReached.TrySetResult();
            }
        }

        _targetReached.TrySetException(new InvalidOperationException(
            $"the harness's stdout ended after {AckCount} of {_ackTarget} acknowledgements; its stderr:{Environment.NewLine}{Stderr}"));
    }

    private async Task ReadStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderr)
            {
                _stderr.AppendLine(line);
            }
        }
    }
}
