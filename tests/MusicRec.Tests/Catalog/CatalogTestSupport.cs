using System.Text;
using MusicRec.Catalog;

namespace MusicRec.Tests.Catalog;

/// <summary>Locates the repository's fixtures (tests/fixtures beside MusicRec.sln) and makes temp folders.</summary>
internal static class CatalogTestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixtures => Path.Combine(RepoRoot, "tests", "fixtures");

    public static string FmaFixtures => Path.Combine(Fixtures, "fma");

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
