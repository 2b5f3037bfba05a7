using Akka.Actor;
using MusicRec.Catalog;
using MusicRec.Etl;
using MusicRec.Stores;
using Xunit.Abstractions;

namespace MusicRec.Tests.Etl;

public sealed class EtlPipelineTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(EtlRun.WorkerDispatcherConfig(2), "etl-tests", output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private Task<EtlSummary> Run(TempRun run, ICatalogReader catalogue, DecoderProbe probe, ITrackStore store, int workers = 2, bool refit = false) =>
        EtlRun.RunAsync(Sys, run.Options(workers, refit), TempRun.Ports(catalogue, probe, store)).WaitAsync(Limit);

    private static string[] DataRows(string csv) => File.ReadAllLines(csv).Skip(1).ToArray();

    [Fact]
    public async Task Workers_pull_so_at_most_one_track_per_worker_is_in_flight()
    {
        using var run = new TempRun();
        var probe = new DecoderProbe { Delay = TimeSpan.FromMilliseconds(15) };
        var store = new InMemoryTrackStore();
        var summary = await Run(run, FakeCatalogue.Create(run.AudioDir, 60), probe, store, workers: 2);

        Assert.Equal(60, summary.Tracks);
        Assert.Equal(60, probe.Calls.Count);
        Assert.InRange(probe.MaxConcurrent, 1, 2);
        Assert.InRange(summary.MaxInFlight, 1, 2);
        Assert.Equal(60, await store.CountAsync());
        Assert.Equal(60, DataRows(Path.Combine(run.OutDir, "final.csv")).Length);
    }

    [Fact]
    public async Task Corrupt_file_becomes_a_reject_with_its_reason_and_the_run_completes()
    {
        using var run = new TempRun();
        var probe = new DecoderProbe();
        var store = new InMemoryTrackStore();
        var summary = await Run(run, FakeCatalogue.Create(run.AudioDir, 20, corrupt: new HashSet<int> { 5, 13 }, missing: new HashSet<int> { 7 }), probe, store);

        Assert.Equal(17, summary.Tracks);
        Assert.Equal(3, summary.Rejected);
        Assert.Equal(2, summary.DecodeRejected);
        Assert.Equal(19, probe.Calls.Count); // each corrupt file decoded once: not lost, not retried forever
        var rejects = DataRows(Path.Combine(run.OutDir, "rejects.csv"));
        Assert.Equal(3, rejects.Length);
        Assert.EndsWith(",,5,cannot decode audio: not a RIFF/WAVE file", rejects[0]);
        Assert.Contains("000005.wav", rejects[0]);
        Assert.EndsWith(",,7,no audio file", rejects[1]);
        Assert.EndsWith(",,13,cannot decode audio: not a RIFF/WAVE file", rejects[2]);
        var ids = DataRows(Path.Combine(run.OutDir, "final.csv")).Select(l => int.Parse(l.Split(',')[0])).ToArray();
        Assert.Equal(Enumerable.Range(1, 20).Except([5, 7, 13]), ids);
        Assert.Equal(17, await store.CountAsync());
    }

    [Fact]
    public async Task Store_down_several_times_is_retried_with_backoff_and_nothing_is_lost()
    {
        using var run = new TempRun();
        var store = new FlakyStore(failures: 4);
        var summary = await Run(run, FakeCatalogue.Create(run.AudioDir, 50), new DecoderProbe(), store);

        Assert.Equal(50, summary.Tracks);
        Assert.Equal(50, await store.CountAsync());
        Assert.Equal(50, summary.StoreVerified);
        Assert.True(store.UpsertCalls >= 4 + 4, $"4 failures plus 4 batches of 16, got {store.UpsertCalls} calls");
        var stored = await store.GetByIdsAsync(Enumerable.Range(1, 50).ToArray());
        Assert.Equal(Enumerable.Range(1, 50), stored.Select(d => d.TrackId).Order());
    }

    [Fact]
    public async Task Store_that_never_recovers_fails_the_run_with_a_clear_reason()
    {
        using var run = new TempRun();
        var options = run.Options() with { StoreGiveUpAfter = TimeSpan.FromMilliseconds(500) };
        var ports = TempRun.Ports(FakeCatalogue.Create(run.AudioDir, 5), new DecoderProbe(), new FlakyStore(int.MaxValue));
        var e = await Assert.ThrowsAsync<EtlFailedException>(() => EtlRun.RunAsync(Sys, options, ports).WaitAsync(Limit));
        Assert.Contains("store is down", e.Message);
    }

    [Fact]
    public async Task Missing_required_file_fails_the_run_with_the_catalogue_message()
    {
        using var run = new TempRun();
        var catalogue = new FakeCatalogue([], fail: new CatalogException("tracks.csv not found in /nowhere"));
        var e = await Assert.ThrowsAsync<EtlFailedException>(() => Run(run, catalogue, new DecoderProbe(), new InMemoryTrackStore()));
        Assert.Equal("tracks.csv not found in /nowhere", e.Message);
    }

    [Fact]
    public async Task All_rejected_run_completes_with_header_only_final_csv_and_no_scaler()
    {
        using var run = new TempRun();
        var rejects = new[] { new Reject("tracks.csv", 4, null, "malformed row") };
        var catalogue = new FakeCatalogue([new TrackRecord { TrackId = 3, FileName = null }, new TrackRecord { TrackId = 2, FileName = "000/000002.mp3" }], rejects);
        var summary = await Run(run, catalogue, new DecoderProbe(), new InMemoryTrackStore());

        Assert.Equal(0, summary.Tracks);
        Assert.Equal(3, summary.Rejected);
        Assert.Equal(ScalerSource.None, summary.Scaler);
        Assert.Single(File.ReadAllLines(Path.Combine(run.OutDir, "final.csv")));
        Assert.False(File.Exists(Path.Combine(run.OutDir, "scaler.json")));
        var lines = DataRows(Path.Combine(run.OutDir, "rejects.csv"));
        Assert.Equal(3, lines.Length);
        Assert.EndsWith(",,2,no audio file", lines[0]);
        Assert.EndsWith(",,3,no audio file", lines[1]);
        Assert.Equal("tracks.csv,4,,malformed row", lines[2]);
    }

    [Fact]
    public async Task Rerun_on_unchanged_inputs_gives_byte_identical_outputs_and_recomputes_nothing()
    {
        using var run = new TempRun();
        var catalogue = FakeCatalogue.Create(run.AudioDir, 30, corrupt: new HashSet<int> { 11 });
        var store = new InMemoryTrackStore();
        var first = await Run(run, catalogue, new DecoderProbe(), store);
        var final1 = File.ReadAllBytes(Path.Combine(run.OutDir, "final.csv"));
        var rejects1 = File.ReadAllBytes(Path.Combine(run.OutDir, "rejects.csv"));
        var scaler1 = File.ReadAllBytes(Path.Combine(run.OutDir, "scaler.json"));

        var probe = new DecoderProbe();
        var second = await Run(run, catalogue, probe, store);

        Assert.Equal(29, first.Tracks);
        Assert.Equal(29, second.Tracks);
        Assert.Empty(probe.Calls);
        Assert.Equal(30, second.FromCheckpoint);
        Assert.Equal(ScalerSource.Fitted, first.Scaler);
        Assert.Equal(ScalerSource.Loaded, second.Scaler);
        Assert.Equal(final1, File.ReadAllBytes(Path.Combine(run.OutDir, "final.csv")));
        Assert.Equal(rejects1, File.ReadAllBytes(Path.Combine(run.OutDir, "rejects.csv")));
        Assert.Equal(scaler1, File.ReadAllBytes(Path.Combine(run.OutDir, "scaler.json")));
        Assert.Equal(29, await store.CountAsync());
    }

    [Fact]
    public async Task Changed_audio_file_is_computed_again()
    {
        using var run = new TempRun();
        var catalogue = FakeCatalogue.Create(run.AudioDir, 10);
        await Run(run, catalogue, new DecoderProbe(), new InMemoryTrackStore());
        var changed = Path.Combine(run.AudioDir, "000", "000004.wav");
        File.WriteAllText(changed, "ok 400");
        File.SetLastWriteTimeUtc(changed, DateTime.UtcNow.AddMinutes(1));

        var probe = new DecoderProbe();
        await Run(run, catalogue, probe, new InMemoryTrackStore());
        Assert.Equal([changed], probe.Calls);
    }

    [Fact]
    public async Task Saved_scaler_is_reused_for_tracks_added_later_unless_refit()
    {
        using var run = new TempRun();
        var store = new InMemoryTrackStore();
        await Run(run, FakeCatalogue.Create(run.AudioDir, 20), new DecoderProbe(), store);
        var scalerPath = Path.Combine(run.OutDir, "scaler.json");
        var saved = File.ReadAllBytes(scalerPath);
        var fitted = StandardScaler.Load(scalerPath);
        Assert.Equal(20, fitted.Count);

        // A later run with 20 more tracks: the saved scaler is used as is.
        var grown = FakeCatalogue.Create(run.AudioDir, 40);
        var second = await Run(run, grown, new DecoderProbe(), store);
        Assert.Equal(ScalerSource.Loaded, second.Scaler);
        Assert.Equal(saved, File.ReadAllBytes(scalerPath));
        var added = (await store.GetByIdsAsync([35]))[0];
        var raw = new FakeExtractor().Extract(new DecoderProbe().NewDecoder().DecodeMono22050(Path.Combine(run.AudioDir, "000", "000035.wav"))).ToVector();
        Assert.Equal(fitted.Transform(raw), added.Features);

        // --refit fits again over all 40.
        var third = await Run(run, grown, new DecoderProbe(), store, refit: true);
        Assert.Equal(ScalerSource.Fitted, third.Scaler);
        Assert.Equal(40, StandardScaler.Load(scalerPath).Count);
        Assert.NotEqual(saved, File.ReadAllBytes(scalerPath));
    }

    [Fact]
    public async Task Damaged_saved_scaler_fails_the_run_with_a_hint_to_refit_and_refit_repairs_it()
    {
        using var run = new TempRun();
        var catalogue = FakeCatalogue.Create(run.AudioDir, 6);
        await File.WriteAllTextAsync(Path.Combine(run.OutDir, "scaler.json"), "{\"columns\":[\"x\"],\"count\":1,\"mean\":[0],\"std\":[1]}");
        var e = await Assert.ThrowsAsync<EtlFailedException>(() => Run(run, catalogue, new DecoderProbe(), new InMemoryTrackStore()));
        Assert.Contains("--refit", e.Message);
        Assert.False(File.Exists(Path.Combine(run.OutDir, "final.csv")));

        var probe = new DecoderProbe();
        var summary = await Run(run, catalogue, probe, new InMemoryTrackStore(), refit: true);
        Assert.Empty(probe.Calls); // the features were checkpointed by the failed run
        Assert.Equal(ScalerSource.Fitted, summary.Scaler);
        Assert.Equal(6, summary.Tracks);
    }

    [Fact]
    public async Task Zero_variance_columns_give_zero_not_nan()
    {
        using var run = new TempRun();
        var store = new InMemoryTrackStore();
        await Run(run, FakeCatalogue.Create(run.AudioDir, 10), new DecoderProbe(), store);
        var kurtosis = MusicRec.Dsp.AudioFeatures.ColumnNames.ToList().IndexOf("mfcc_kurtosis_01");
        await foreach (var d in store.StreamAllAsync())
        {
            Assert.All(d.Features, v => Assert.True(double.IsFinite(v)));
            Assert.Equal(0.0, d.Features[kurtosis]);
        }
        Assert.DoesNotContain("NaN", File.ReadAllText(Path.Combine(run.OutDir, "final.csv")));
    }
}

public sealed class EtlManyFailuresTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit(EtlRun.WorkerDispatcherConfig(2), "etl-failures", output)
{
    [Fact]
    public async Task Many_corrupt_files_restart_workers_without_limit_and_the_run_completes()
    {
        using var run = new TempRun();
        var corrupt = Enumerable.Range(1, 60).Where(i => i % 3 != 0).ToHashSet();
        var probe = new DecoderProbe();
        var summary = await EtlRun.RunAsync(Sys, run.Options(), TempRun.Ports(FakeCatalogue.Create(run.AudioDir, 60, corrupt), probe, new InMemoryTrackStore()))
            .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(20, summary.Tracks);
        Assert.Equal(40, summary.DecodeRejected);
        Assert.Equal(60, probe.Calls.Count);
    }
}
