namespace MusicRec.Tests.Dsp;

/// <summary>Where the DSP tests find their audio: committed TestData (copied to output) and the librosa fixtures.</summary>
internal static class DspTestFiles
{
    public static string TestData(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Dsp", "TestData", name);
        Assert.True(File.Exists(path), $"missing committed test file {path}");
        return path;
    }

    /// <summary>The folder holding MusicRec.sln, walking up from the test binaries.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MusicRec.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no MusicRec.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The librosa reference clips in tests/fixtures/librosa.</summary>
    public static string LibrosaFixtures() => Path.Combine(RepoRoot(), "tests", "fixtures", "librosa");
}
