namespace ActorTrading.Hocon.Tests;

/// <summary>A directory of its own for one spec's files, deleted after it.</summary>
internal sealed class TempFiles : IDisposable
{
    public string Root { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "actortrading-hocon-" + Guid.NewGuid().ToString("N"))).FullName;

    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? Root);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
