using System.Text.Json;
using MusicRec.IntegrationTests.Cluster;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Demo;

/// <summary>
/// `musicrec demo --metadata DIR` on an fma_metadata folder without audio (the real tracks.csv fixture and a
/// features.csv in FMA's layout): the ETL takes every track's features from features.csv, the service serves the
/// page, and a simulated listener gets batches of three drawn from the 682 real tracks.
/// </summary>
[Trait("Category", "Demo")]
[Collection(ServeProcessesCollection.Name)]
public sealed class DemoMetadataTests(ITestOutputHelper output) : ServeProcessTest(output, "demo-metadata")
{
    [Fact(Timeout = 240_000)]
    public async Task Demo_on_an_fma_metadata_folder_recommends_real_tracks_from_features_csv()
    {
        var metadata = Path.Combine(Work, "fma_metadata");
        Directory.CreateDirectory(metadata);
        var fixtures = Path.Combine(RepoPaths.Root, "tests", "fixtures", "fma");
        foreach (var f in new[] { "tracks.csv", "genres.csv", "raw_genres.csv" }) File.Copy(Path.Combine(fixtures, f), Path.Combine(metadata, f));
        File.Copy(Path.Combine(fixtures, "features", "features.csv"), Path.Combine(metadata, "features.csv"));
        var dir = Path.Combine(Work, "demo");
        var port = ClusterTestEnvironment.FreePort();
        Node = ServiceNode.StartDemo(port, Work, ["--dir", dir, "--metadata", metadata, "--web", $"http://127.0.0.1:{port}", "--users", "2", "--rate", "20"]);
        await Node.WaitReadyAsync(TimeSpan.FromSeconds(200));

        var final = File.ReadAllLines(Path.Combine(dir, "out", "final.csv"));
        Assert.Equal(682, final.Length - 1);
        Assert.All(final.Skip(1), l => Assert.Contains(",features.csv,", l));
        Assert.False(Directory.Exists(Path.Combine(dir, "fma_audio"))); // no sample was written

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var batch = await DemoBatches.FirstAsync(http, "sim0", TimeSpan.FromSeconds(60));
        Assert.True(batch.ValueKind == JsonValueKind.Object, $"no batch for sim0 within 60 s:\n{Node.Tail()}");
        Assert.Equal(3, batch.GetProperty("tracks").GetArrayLength());
        // Real FMA tracks: ids of the fixture (2..932), with their real titles.
        Assert.All(batch.GetProperty("tracks").EnumerateArray(), t => Assert.InRange(t.GetProperty("track_id").GetInt32(), 2, 932));
        Output.WriteLine(batch.ToString());

        Node.Terminate();
        Assert.Equal(0, await Node.WaitForExitAsync(TimeSpan.FromSeconds(90)));
    }
}
