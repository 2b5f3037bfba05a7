namespace MusicRec.IntegrationTests.Cluster;

/// <summary>The repository root: the folder holding MusicRec.sln, found by walking up from the test binaries.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MusicRec.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no MusicRec.sln above {AppContext.BaseDirectory}");
    }
}
