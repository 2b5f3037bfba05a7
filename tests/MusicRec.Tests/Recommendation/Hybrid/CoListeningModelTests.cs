using MusicRec.Contracts;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;

namespace MusicRec.Tests.Recommendation.Hybrid;

public class CoListeningModelTests
{
    [Theory]
    // The values Apache Mahout's LogLikelihoodTest publishes for the same tables.
    [InlineData(1, 0, 0, 1, 2.772589)]
    [InlineData(10, 0, 0, 10, 27.72589)]
    [InlineData(5, 1995, 0, 100000, 39.33052)]
    [InlineData(1000, 1995, 1000, 100000, 4730.737)]
    public void Log_likelihood_ratio_matches_published_values(long k11, long k12, long k21, long k22, double expected) =>
        Assert.Equal(expected, LogLikelihood.Ratio(k11, k12, k21, k22), 3);

    [Fact]
    public void Co_occurring_less_than_chance_scores_zero()
    {
        // A and B: 1,000 plays each out of 100,000, heard together only once (chance would be 10).
        Assert.Equal(0, LogLikelihood.PositiveRatio(1, 1000, 1000, 100_000));
        Assert.True(LogLikelihood.PositiveRatio(100, 1000, 1000, 100_000) > 0);
    }

    [Fact]
    public void Tracks_heard_by_the_same_listeners_become_neighbours_at_once()
    {
        var model = new CoListeningModel();
        for (var u = 0; u < 5; u++)
        {
            model.Observe($"u{u}", 1, Actions.Listen);
            model.Observe($"u{u}", 2, Actions.Like);
            model.Observe($"u{u}", 100 + u, Actions.Listen); // a track only this listener plays
        }
        Assert.Equal(5, model.CoOccurrences(1, 2));
        Assert.Equal(5, model.CoOccurrences(2, 1));
        Assert.Equal(2, model.Neighbours(1, 1)[0].TrackId);

        // One more listener pairs 1 with 7: the very next query knows it.
        Assert.Equal(0, model.CoOccurrences(1, 7));
        model.Observe("new", 1, Actions.Listen);
        model.Observe("new", 7, Actions.Listen);
        Assert.Equal(1, model.CoOccurrences(1, 7));
        Assert.Contains(model.Neighbours(1, 10), n => n.TrackId == 7);
    }

    [Fact]
    public void Skips_and_replays_do_not_count()
    {
        var model = new CoListeningModel();
        model.Observe("u", 1, Actions.Listen);
        model.Observe("u", 2, Actions.Skip);
        model.Observe("u", 3, Actions.Listen);
        model.Observe("u", 3, Actions.Like); // still in the window: not a second co-occurrence
        Assert.Equal(0, model.CoOccurrences(1, 2));
        Assert.Equal(1, model.CoOccurrences(1, 3));
        Assert.Equal(2, model.Occurrences);
    }

    [Fact]
    public void Only_the_listener_window_pairs_with_a_new_track()
    {
        var model = new CoListeningModel(new CoListeningOptions { UserWindow = 3 });
        for (var t = 1; t <= 5; t++) model.Observe("u", t, Actions.Listen);
        Assert.Equal(0, model.CoOccurrences(5, 1)); // 1 left the window before 5 came
        Assert.Equal(1, model.CoOccurrences(5, 2));
    }

    [Fact]
    public void Counters_per_track_stay_bounded_and_keep_the_strongest()
    {
        var options = new CoListeningOptions { UserWindow = 2, MaxNeighbours = 5, PruneAt = 8 };
        var model = new CoListeningModel(options);
        // Track 1 co-occurs with 2 often and with 200 one-off tracks.
        for (var u = 0; u < 200; u++)
        {
            model.Observe($"u{u}", 1, Actions.Listen);
            if (u % 4 == 0) model.Observe($"u{u}", 2, Actions.Listen);
            else model.Observe($"u{u}", 1000 + u, Actions.Listen);
        }
        Assert.True(model.Neighbours(1, 100).Count < options.PruneAt);
        Assert.Equal(2, model.Neighbours(1, 1)[0].TrackId);
        Assert.True(model.CoOccurrences(1, 2) >= 40);
    }

    [Fact]
    public void A_snapshot_restores_the_same_model_byte_for_byte_and_it_goes_on_alike()
    {
        var options = new CoListeningOptions { UserWindow = 4, MaxNeighbours = 3, PruneAt = 5 };
        var live = new CoListeningModel(options);
        var random = new Random(3);
        var events = Enumerable.Range(0, 3000).Select(_ => ($"u{random.Next(40)}", random.Next(60), random.Next(3) switch { 0 => Actions.Skip, 1 => Actions.Like, _ => Actions.Listen })).ToList();
        foreach (var (u, t, a) in events.Take(2000)) live.Observe(u, t, a);

        var first = Snapshot(live);
        var restored = CoListeningModel.ReadSnapshot(new MemoryStream(first));
        Assert.Equal(first, Snapshot(restored));
        Assert.Equal(options, restored.Options);

        foreach (var (u, t, a) in events.Skip(2000))
        {
            live.Observe(u, t, a);
            restored.Observe(u, t, a);
        }
        Assert.Equal(Snapshot(live), Snapshot(restored));
        Assert.Equal(live.Neighbours(5, 10), restored.Neighbours(5, 10));
    }

    [Fact]
    public void A_damaged_snapshot_is_a_clear_error()
    {
        var model = new CoListeningModel();
        model.Observe("u", 1, Actions.Listen);
        model.Observe("u", 2, Actions.Listen);
        var bytes = Snapshot(model);
        Assert.Throws<InvalidDataException>(() => CoListeningModel.ReadSnapshot(new MemoryStream(bytes[..^3])));
        Assert.Throws<InvalidDataException>(() => CoListeningModel.ReadSnapshot(new MemoryStream(new byte[16])));
    }

    [Fact]
    public void Cosine_scoring_ranks_by_co_occurrence_over_the_counts()
    {
        var model = new CoListeningModel(new CoListeningOptions { Scoring = CoListeningScoring.Cosine });
        for (var u = 0; u < 4; u++) { model.Observe($"a{u}", 1, Actions.Listen); model.Observe($"a{u}", 2, Actions.Listen); }
        model.Observe("b", 1, Actions.Listen);
        model.Observe("b", 3, Actions.Listen);
        var n = model.Neighbours(1, 2);
        Assert.Equal([2, 3], n.Select(x => x.TrackId));
        Assert.Equal(4 / Math.Sqrt(5 * 4), n[0].Score, 4);
    }

    [Fact]
    public async Task Readers_query_while_the_writer_learns_and_the_result_is_the_writers_alone()
    {
        // Small prune bounds and no reserved rows: the writer prunes and grows its row arrays under the readers.
        var options = new CoListeningOptions { UserWindow = 5, MaxNeighbours = 6, PruneAt = 10 };
        var random = new Random(8);
        var events = Enumerable.Range(0, 60_000).Select(_ => ($"u{random.Next(300)}", 1 + random.Next(3000), random.Next(4) == 0 ? Actions.Like : Actions.Listen)).ToArray();
        var model = new CoListeningModel(options);
        using var done = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var found = new List<(int Track, double Score)>();
            var reads = 0;
            while (!done.IsCancellationRequested || reads == 0)
            {
                found.Clear();
                model.AddNeighbours(1 + (reads * 7 + r) % 3000, found);
                // Whatever the writer was doing: known tracks with positive scores, never a row's stand-in.
                Assert.All(found, n => Assert.True(n.Track is >= 1 and <= 3000 && n.Score > 0));
                Assert.All(model.RecentTracks($"u{reads % 300}"), t => Assert.InRange(t, 1, 3000));
                reads++;
            }
            return reads;
        })).ToArray();
        foreach (var (u, t, a) in events) model.Observe(u, t, a);
        done.Cancel();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));

        var alone = new CoListeningModel(options);
        foreach (var (u, t, a) in events) alone.Observe(u, t, a);
        Assert.Equal(Snapshot(alone), Snapshot(model));
    }

    private static byte[] Snapshot(CoListeningModel model)
    {
        var ms = new MemoryStream();
        model.WriteSnapshot(ms);
        return ms.ToArray();
    }
}
