using MusicRec.Tests.Catalog;

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

    /// <summary>The librosa reference clips in tests/fixtures/librosa.</summary>
    public static string LibrosaFixtures() => Path.Combine(CatalogTestPaths.RepoRoot, "tests", "fixtures", "librosa");
}
