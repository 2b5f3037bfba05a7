using System.Text;
using MusicRec.Catalog;

namespace MusicRec.Tests.Catalog;

/// <summary>Locates the shared fixtures (../shared beside the folder holding MusicRec.sln) and makes temp folders.</summary>
internal static class CatalogTestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>
    /// ../shared next to the repository (as CI lays it out); in a git worktree nested deeper, the nearest
    /// ancestor folder's shared/ is used instead.
    /// </summary>
    public static string Shared { get; } = FindShared();

    public static string FmaFixtures => Path.Combine(Shared, "fixtures", "fma");

    private static string FindShared()
    {
        for (var dir = Directory.GetParent(RepoRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "fixtures"))) return candidate;
        }
        throw new InvalidOperationException($"shared/fixtures not found beside {RepoRoot} or any folder above it");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MusicRec.sln"))) return dir.FullName;
        throw new InvalidOperationException($"MusicRec.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "musicrec-test-" + Guid.NewGuid().ToString("N"));

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}

/// <summary>Runs a reader to the end, collecting tracks, rejects and warnings.</summary>
internal sealed record CatalogRun(List<TrackRecord> Tracks, List<Reject> Rejects, List<string> Warnings)
{
    public static CatalogRun Read(string metadataDir, string audioDir)
    {
        var warnings = new List<string>();
        var rejects = new List<Reject>();
        var tracks = new FmaCatalogReader(metadataDir, audioDir, warnings.Add).ReadTracks(rejects.Add).ToList();
        return new CatalogRun(tracks, rejects, warnings);
    }
}

/// <summary>Creates audio files in the FMA layout for given ids (content does not matter to the catalogue).</summary>
internal static class FakeAudio
{
    public static void Create(string audioDir, int trackId, string extension = ".mp3")
    {
        var path = Path.Combine(audioDir, FmaCatalogReader.AudioStem(trackId) + extension);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("not really audio"));
    }
}
