using Microsoft.Data.Sqlite;

namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// Copies committed pages from the write-ahead log back into the database file on its own connection and thread,
/// beside the writers rather than inside their commits.
/// </summary>
/// <remarks>
/// Left to itself, SQLite checkpoints in the commit that takes the log over 1,000 pages: the journal writer, holding
/// the one write lock, then also writes every page of the log into the database file and syncs it, while every
/// entity waits for its events. A journal keyed by (persistence id, sequence number) dirties one index page per event
/// in a big file, so that was two thirds of each commit under load. A passive checkpoint takes no write lock; the
/// writers keep a far larger limit of their own (<see cref="SqliteStoreSettings.WriterCheckpointPages"/>), so the
/// log stays bounded even if this loop falls behind or fails.
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly ManualResetEventSlim _written = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private int _disposed;

    public WalCheckpointer(SqliteDatabase database)
    {
        _database = database;
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-checkpoint" };
        _thread.Start();
    }

    /// <summary>Says that a transaction committed: the next checkpoint runs at the end of the current interval.</summary>
    public void Written() => _written.Set();

    // The event is not disposed: a projection that commits while the node stops may still say it wrote.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }

    private void Run()
    {
        var interval = _database.Settings.CheckpointInterval;
        SqliteConnection? connection = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    // Woken by a commit, or after a while anyway: a write from another process tells nobody here.
                    _written.Wait(interval * 10, _stop.Token);
                    if (_stop.Token.WaitHandle.WaitOne(interval))
                    {
                        break;
                    }

                    // Cleared before the checkpoint: a commit during it asks for the next one.
                    _written.Reset();
                    connection ??= Open();
                    Checkpoint(connection, "PASSIVE");
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (SqliteException)
                {
                    // Tried again on a new connection next time; meanwhile the log only grows, up to the writers' own limit.
                    connection?.Dispose();
                    connection = null;
                }
            }

            // On the way out the log is emptied, so a stopped node leaves one file behind.
            connection ??= Open();
            Checkpoint(connection, "TRUNCATE");
        }
        catch (SqliteException)
        {
            // The log stays; SQLite checkpoints it when the file is next opened.
        }
        finally
        {
            connection?.Dispose();
        }
    }

    // This thread has nothing else to do meanwhile (and the driver opens synchronously underneath).
    private SqliteConnection Open() => _database.OpenAsync().GetAwaiter().GetResult();

    private static void Checkpoint(SqliteConnection connection, string mode)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_checkpoint({mode})";
        command.ExecuteNonQuery();
    }
}
