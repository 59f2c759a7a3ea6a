using System.Globalization;
using System.Text;
using ActorTrading.Actors;
using ActorTrading.Actors.Persistence;
using ActorTrading.Persistence.Postgres;
using ActorTrading.Persistence.Sqlite;
using ActorPersistence = ActorTrading.Actors.Persistence.Persistence;

namespace ActorTrading.Persistence.CrashHarness;

/// <summary>
/// Starts <c>--entities</c> <see cref="PairWriter"/>s on the chosen store and prints
/// <c>ack &lt;persistence id&gt; &lt;sequence nr&gt;</c> for every acknowledged pair, until it is killed.
/// Logs go to stderr, so stdout carries acknowledgements only.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: ActorTrading.Persistence.CrashHarness
                 (--store sqlite --path FILE | --store postgres --connection NPGSQL-CONNECTION-STRING)
                 --entities N --run-id ID [--exit-when-stdin-closes]
        """;

    public static async Task<int> Main(string[] args)
    {
        HarnessOptions options;
        try
        {
            options = HarnessOptions.Parse(args);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync($"crash-harness: {exception.Message}{Environment.NewLine}{Usage}");
            return 2;
        }

        var serializer = PairSerializer.Create();
        IJournal journal;
        ISnapshotStore snapshots;
        if (options.Store == "sqlite")
        {
            var settings = new SqliteStoreSettings { DatabasePath = options.Target };
            journal = await SqliteJournal.OpenAsync(settings, serializer);
            snapshots = await SqliteSnapshotStore.OpenAsync(settings, serializer);
        }
        else
        {
            var settings = new PostgresStoreSettings { ConnectionString = options.Target };
            journal = await PostgresJournal.OpenAsync(settings, serializer);
            snapshots = await PostgresSnapshotStore.OpenAsync(settings, serializer);
        }

        var system = ActorSystem.Create("crash-harness");
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new StderrLog()), "stderr-log"), typeof(LogEvent));
        ActorPersistence.Get(system).Use(journal, snapshots);
        var acks = new StdoutAcks();
        for (var i = 0; i < options.Entities; i++)
        {
            var id = PairWriter.PersistenceIdFor(options.RunId, i);
            system.ActorOf(Props.Create(() => new PairWriter(id, acks)), $"entity-{i}");
        }

        await Console.Error.WriteLineAsync($"crash-harness: {options.Entities} entities of run {options.RunId} writing to {options.Store}");
        if (!options.ExitWhenStdinCloses)
        {
            await Task.Delay(Timeout.Infinite);
        }

        // The test that started us keeps our stdin open; if it dies, we must not write on forever.
        await Console.In.ReadToEndAsync();
        await system.Terminate();
        await ((IAsyncDisposable)journal).DisposeAsync();
        if (snapshots is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        return 0;
    }

    /// <summary>
    /// Prints acknowledgements. One synchronized writer that flushes every line: a line is in the pipe
    /// before its entity starts the next write, so whatever was printed was acknowledged before any
    /// kill, and lines of concurrent entities never interleave. Each line is one string, hence one
    /// write of far less than PIPE_BUF bytes: a kill cannot leave half a line.
    /// </summary>
    private sealed class StdoutAcks : IAckSink
    {
        private readonly TextWriter _out = TextWriter.Synchronized(
            new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });

        public void Acknowledged(string persistenceId, long sequenceNr) =>
            _out.Write(string.Create(CultureInfo.InvariantCulture, $"ack {persistenceId} {sequenceNr}\n"));
    }

    private sealed class StderrLog : ReceiveActor
    {
        public StderrLog() => Receive<LogEvent>(e => Console.Error.WriteLine($"crash-harness: {e.Level} {e.EventId.Id} {e.Message} {e.Exception}"));
    }

    private sealed record HarnessOptions(string Store, string Target, int Entities, string RunId, bool ExitWhenStdinCloses)
    {
        public static HarnessOptions Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            var exitWhenStdinCloses = false;
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == "--exit-when-stdin-closes")
                {
                    exitWhenStdinCloses = true;
                }
                else if (args[i] is "--store" or "--path" or "--connection" or "--entities" or "--run-id" && i + 1 < args.Length)
                {
                    values[args[i]] = args[++i];
                }
                else
                {
                    throw new ArgumentException($"unexpected argument '{args[i]}'");
                }
            }

            var store = Required(values, "--store");
            var target = store switch
            {
                "sqlite" => Required(values, "--path"),
                "postgres" => Required(values, "--connection"),
                _ => throw new ArgumentException($"--store must be sqlite or postgres, not '{store}'"),
            };
            if (!int.TryParse(Required(values, "--entities"), NumberStyles.None, CultureInfo.InvariantCulture, out var entities) || entities < 1)
            {
                throw new ArgumentException("--entities must be a positive number");
            }

            return new HarnessOptions(store, target, entities, Required(values, "--run-id"), exitWhenStdinCloses);
        }

        private static string Required(Dictionary<string, string> values, string name) =>
            values.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ArgumentException($"{name} is required");
    }
}
