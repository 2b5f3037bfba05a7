using Akka.Actor;
using MusicRec.Etl;
using MusicRec.Stores;

namespace MusicRec.Tests.Etl;

public sealed class ResumeTests
{
    [Fact]
    public async Task Crash_mid_run_then_rerun_recomputes_only_unfinished_tracks_and_writes_each_once()
    {
        using var run = new TempRun();
        var catalogue = FakeCatalogue.Create(run.AudioDir, 80, corrupt: new HashSet<int> { 9 });
        var store = new InMemoryTrackStore();

        // Run 1: the whole actor system is torn down after 25 tracks, like a killed process.
        var system1 = ActorSystem.Create("crash", EtlRun.WorkerDispatcherConfig(2));
        var probe1 = new DecoderProbe { Delay = TimeSpan.FromMilliseconds(10) };
        var options1 = run.Options(progress: p =>
        {
            if (p.Computed >= 25) system1.Terminate();
        });
        var firstRun = EtlRun.RunAsync(system1, options1, TempRun.Ports(catalogue, probe1, store));
        await system1.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(firstRun.IsCompletedSuccessfully);
        Assert.False(File.Exists(Path.Combine(run.OutDir, "final.csv")));
        var checkpointed = FeatureCheckpointIds(run);
        Assert.InRange(checkpointed.Count, 25, 79);

        // Run 2: a fresh system; the checkpointed tracks are not decoded again.
        var system2 = ActorSystem.Create("resume", EtlRun.WorkerDispatcherConfig(2));
        try
        {
            var probe2 = new DecoderProbe();
            var summary = await EtlRun.RunAsync(system2, run.Options(), TempRun.Ports(catalogue, probe2, store)).WaitAsync(TimeSpan.FromSeconds(60));
            var decodedAgain = probe2.Calls.Select(p => int.Parse(Path.GetFileNameWithoutExtension(p))).ToHashSet();
            Assert.Empty(decodedAgain.Intersect(checkpointed));
            Assert.Equal(80 - checkpointed.Count, probe2.Calls.Count);
            Assert.Equal(79, summary.Tracks);

            var ids = File.ReadAllLines(Path.Combine(run.OutDir, "final.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
            Assert.Equal(Enumerable.Range(1, 80).Where(i => i != 9), ids); // each good track once, in order
            Assert.Equal(79, await store.CountAsync());
        }
        finally
        {
            await system2.Terminate();
        }
    }

    [Fact]
    public void Torn_last_line_is_ignored_and_cut_off()
    {
        using var run = new TempRun();
        var path = Path.Combine(run.OutDir, FeatureCheckpoint.RelativePath);
        var key = new AudioFileKey("000/000001.wav", 10, 20);
        var raw = Enumerable.Range(0, MusicRec.Dsp.AudioFeatures.ColumnNames.Count).Select(i => i * 0.1 + 1e-17).ToArray();
        using (var c = FeatureCheckpoint.Open(path))
        {
            c.AppendFeatures(1, key, raw);
            c.AppendReject(2, key with { File = "000/000002.wav" }, "cannot decode audio: empty");
        }
        var good = File.ReadAllBytes(path);
        File.AppendAllText(path, "{\"track_id\":3,\"file\":\"000/000003.wav\",\"size\":1,\"mtime\":2,\"raw\":[1.0,2.");

        using (var c = FeatureCheckpoint.Open(path))
        {
            Assert.Equal([1, 2], c.Loaded.Keys.Order());
            Assert.True(c.Loaded[2].IsReject);
            Assert.Equal(good.Length, new FileInfo(path).Length);
            using var reader = new LineReader(path);
            Assert.Equal(raw, FeatureCheckpoint.ParseRaw(reader.Read(c.Loaded[1].Line))); // doubles round-trip exactly
            c.AppendFeatures(3, key with { File = "000/000003.wav" }, raw);
        }
        using (var c = FeatureCheckpoint.Open(path)) Assert.Equal([1, 2, 3], c.Loaded.Keys.Order());
    }

    private static HashSet<int> FeatureCheckpointIds(TempRun run)
    {
        using var c = FeatureCheckpoint.Open(Path.Combine(run.OutDir, FeatureCheckpoint.RelativePath));
        return c.Loaded.Keys.ToHashSet();
    }
}
