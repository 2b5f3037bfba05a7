using Akka.Actor;
using Microsoft.Data.Sqlite;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

/// <summary>Recovery from a real SQLite journal (Akka.Persistence.Sql, provider SQLite.MS) across actor system restarts.</summary>
public class RecommenderPersistenceTests : IDisposable
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(30, seed: 6);
    private readonly string _dir = TempDir();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* a pooled handle may linger on some platforms; the temp folder is harmless */ }
    }

    private int Track(int i) => Index.Tracks[i * 11 % Index.Count].TrackId;
    private static string Action(int i) => (i % 5) switch { 0 => Actions.Skip, 1 or 2 => Actions.Like, _ => Actions.Listen };

    private async Task<(List<RecommendationBatch> Batches, UserRecommenderProtocol.UserStateView View)> RunAsync(
        PersistenceOptions persistence, RecommenderOptions options, string user, int from, int to)
    {
        var system = SystemFor("p" + Guid.NewGuid().ToString("N")[..8], persistence);
        try
        {
            var parent = LocalParent(system, Index, options);
            var batches = new List<RecommendationBatch>();
            for (var i = from; i <= to; i++) batches.AddRange((await Send(parent, user, i, Track(i), Action(i))).Batches);
            return (batches, await View(parent, user));
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>A COUNT(*) query on the journal's SQLite file.</summary>
    private static int Count(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt32(command.ExecuteScalar());
    }

    [Theory]
    [InlineData(0)]   // events only
    [InlineData(4)]   // snapshots every 4 events, older events and snapshots deleted
    public async Task State_survives_a_restart_on_the_same_sqlite_journal_and_batch_ids_continue(int snapshotEvery)
    {
        var journal = PersistenceOptions.Sqlite(Path.Combine(_dir, "journal.db"));
        var options = new RecommenderOptions { UseSharding = false, IdleTimeout = null, SnapshotEvery = snapshotEvery };

        var (firstBatches, beforeRestart) = await RunAsync(journal, options, "alice", 1, 10);
        Assert.Equal(["alice-1", "alice-2", "alice-3"], firstBatches.Select(b => b.BatchId));
        // A batch is decided on its third event: the tenth event left nothing pending.
        Assert.Empty(beforeRestart.PendingSuggestions);

        // A new system on the same file: the state is recovered, then the next batch continues the sequence.
        var (secondBatches, afterRestart) = await RunAsync(journal, options, "alice", 11, 15);
        Assert.Equal(["alice-4", "alice-5"], secondBatches.Select(b => b.BatchId));

        // The same 15 events in one uninterrupted run give the same batches and the same final state.
        var (reference, referenceView) = await RunAsync(PersistenceOptions.InMemory(), options, "alice", 1, 15);
        BatchAssert.Equal(reference, firstBatches.Concat(secondBatches));
        AssertSameView(referenceView, afterRestart);

        // And a third start recovers exactly that state.
        var (_, recovered) = await RunAsync(journal, options, "alice", 1, 0);
        AssertSameView(afterRestart, recovered);
    }

    [Fact]
    public async Task Snapshots_let_old_events_be_deleted()
    {
        var path = Path.Combine(_dir, "snap.db");
        var journal = PersistenceOptions.Sqlite(path);
        var options = new RecommenderOptions { UseSharding = false, IdleTimeout = null, SnapshotEvery = 5 };
        int Live() => Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'user-bob' AND deleted = 0");
        int Snapshots() => Count(path, "SELECT COUNT(*) FROM snapshot WHERE persistence_id = 'user-bob'");

        var system = SystemFor("snap", journal);
        try
        {
            var parent = LocalParent(system, Index, options);
            for (var i = 1; i <= 12; i++) await Send(parent, "bob", i, Track(i), Action(i));
            // Deleting what a snapshot covers happens after the snapshot is saved, asynchronously: wait for it while
            // the system still runs (terminating first could drop it, and the count would depend on timing).
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((Snapshots() != 1 || Live() > 7) && DateTime.UtcNow < deadline) await Task.Delay(50);
        }
        finally
        {
            await system.Terminate();
        }
        Assert.True(Live() <= 7, $"{Live()} live events remain for 12 events with a snapshot every 5");
        Assert.Equal(1, Snapshots());
        var (_, view) = await RunAsync(journal, options, "bob", 1, 0);
        Assert.Equal(12, view.EventsApplied);
        Assert.Equal(4, view.BatchesEmitted);
    }

    [Fact]
    public async Task A_redelivered_event_after_a_restart_is_still_recognised()
    {
        var journal = PersistenceOptions.Sqlite(Path.Combine(_dir, "dup.db"));
        var options = new RecommenderOptions { UseSharding = false, IdleTimeout = null, SnapshotEvery = 2 };
        var (batches, _) = await RunAsync(journal, options, "carol", 1, 3);
        var system = SystemFor("dup", journal);
        try
        {
            var parent = LocalParent(system, Index, options);
            var again = await Send(parent, "carol", 3, Track(3), Action(3));
            Assert.True(again.Duplicate);
            BatchAssert.Equal(batches, again.Batches);
            Assert.Equal(3, (await View(parent, "carol")).EventsApplied);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Events_arriving_during_a_write_share_the_next_write_and_get_the_answers_of_one_by_one_processing()
    {
        var path = Path.Combine(_dir, "group.db");
        var journal = PersistenceOptions.Sqlite(path);
        var options = new RecommenderOptions { UseSharding = false, IdleTimeout = null, SnapshotEvery = 0 };
        const int events = 60;

        // All sent at once (a busy user): the answers must be what sequential processing gives.
        var system = SystemFor("group", journal);
        List<UserRecommenderProtocol.ActivityApplied> answers;
        UserRecommenderProtocol.UserStateView view;
        try
        {
            var parent = LocalParent(system, Index, options);
            var asks = Enumerable.Range(1, events).Select(i => Send(parent, "dave", i, Track(i), Action(i))).ToList();
            // A repeat of an event that is still waiting or being written is recognised, not applied twice.
            var repeat = Send(parent, "dave", 30, Track(30), Action(30));
            answers = (await Task.WhenAll(asks)).ToList();
            Assert.True((await repeat).Duplicate);
            view = await View(parent, "dave");
        }
        finally
        {
            await system.Terminate();
        }
        Assert.Equal(Enumerable.Range(1, events).Select(i => $"dave-e{i}"), answers.Select(a => a.EventId));
        Assert.All(answers, a => Assert.False(a.Duplicate));

        var (sequential, sequentialView) = await RunAsync(PersistenceOptions.InMemory(), options, "dave", 1, events);
        BatchAssert.Equal(sequential, answers.SelectMany(a => a.Batches));
        AssertSameView(sequentialView, view);

        // Fewer journal rows than events: the events that waited were stored together.
        Assert.InRange(Count(path, "SELECT COUNT(*) FROM journal WHERE persistence_id = 'user-dave'"), 1, events - 1);

        // And a restart recovers the same state from the grouped events.
        var (_, recovered) = await RunAsync(journal, options, "dave", 1, 0);
        AssertSameView(sequentialView, recovered);
    }

    [Fact]
    public async Task A_stop_request_waits_for_events_already_accepted()
    {
        var journal = PersistenceOptions.Sqlite(Path.Combine(_dir, "stop.db"));
        var options = new RecommenderOptions { UseSharding = false, IdleTimeout = null };
        var system = SystemFor("stop", journal);
        try
        {
            var entity = system.ActorOf(UserRecommenderActor.Props("erin", options.SuggestionsFrom(Index), options), "erin");
            var asks = Enumerable.Range(1, 20).Select(i => Send(entity, "erin", i, Track(i), Action(i))).ToList();
            entity.Tell(UserRecommenderProtocol.StopEntity.Instance);
            var answers = await Task.WhenAll(asks);
            Assert.Equal(20, answers.Length);
        }
        finally
        {
            await system.Terminate();
        }
        var (_, view) = await RunAsync(journal, options, "erin", 1, 0);
        Assert.Equal(20, view.EventsApplied);
    }
}
