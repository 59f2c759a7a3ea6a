namespace ActorTrading.Persistence.Sqlite;

/// <summary>
/// A node's files hold API keys' ciphertext, token hashes and every trade: only the node's user may read them (0600 files
/// in a 0700 directory). SQLite creates a database's -wal and -shm files with the database file's mode.
/// </summary>
public static class OwnerOnlyFiles
{
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Directory = File | UnixFileMode.UserExecute;

    /// <summary>Creates the directory 0700 when missing (an existing one keeps its mode: the operator may have chosen it).</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
            return;
        }

        System.IO.Directory.CreateDirectory(path, Directory);
    }

    /// <summary>Creates the file 0600 when missing, or makes an existing one 0600 (earlier versions created them 0644).</summary>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (System.IO.File.Exists(path))
        {
            System.IO.File.SetUnixFileMode(path, File);
            return;
        }

        using var created = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = File });
    }
}
