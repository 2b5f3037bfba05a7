using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

/// <summary>AddUserRecommenders under the generic host: the local parent and cluster sharding behave the same.</summary>
public class RecommenderHostingTests : IDisposable
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(30, seed: 8);
    private readonly string _dir = TempDir();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* harmless temp leftovers */ }
    }

    private static async Task<List<RecommendationBatch>> Script(Akka.Actor.IActorRef region, int from, int to)
    {
        var batches = new List<RecommendationBatch>();
        foreach (var user in new[] { "ann", "ben", "cat" })
            for (var i = from; i <= to; i++)
            {
                var track = Index.Tracks[(i * 13 + user.Length * 7 + user[0]) % Index.Count].TrackId;
                batches.AddRange((await Send(region, user, i, track, i % 4 == 0 ? Actions.Skip : Actions.Like)).Batches);
            }
        return batches;
    }

    [Fact]
    public async Task Sharding_on_a_single_node_cluster_gives_the_same_batches_as_the_local_parent()
    {
        var (localHost, local) = await StartHostAsync(false, PersistenceOptions.InMemory(), Index);
        var localBatches = await Script(local, 1, 12);
        await localHost.StopAsync();
        localHost.Dispose();

        var (clusterHost, region) = await StartHostAsync(true, PersistenceOptions.InMemory(), Index);
        try
        {
            var shardedBatches = await Script(region, 1, 12);
            Assert.Equal(12, shardedBatches.Count);
            BatchAssert.Equal(localBatches, shardedBatches);
            Assert.Equal(12, (await View(region, "ben")).EventsApplied);
        }
        finally
        {
            await clusterHost.StopAsync();
            clusterHost.Dispose();
        }
    }

    [Fact]
    public async Task Sharded_entities_recover_from_the_sqlite_journal_after_the_host_restarts()
    {
        var journal = PersistenceOptions.Sqlite(Path.Combine(_dir, "journal.db"));
        var options = new RecommenderOptions { SnapshotEvery = 5, IdleTimeout = TimeSpan.FromMilliseconds(500) };

        var (host1, region1) = await StartHostAsync(true, journal, Index, options);
        var first = await Script(region1, 1, 7);
        var before = await View(region1, "cat");
        await host1.StopAsync();
        host1.Dispose();

        var (host2, region2) = await StartHostAsync(true, journal, Index, options);
        try
        {
            AssertSameView(before, await View(region2, "cat"));
            var second = await Script(region2, 8, 9);
            Assert.Equal(["ann-3", "ben-3", "cat-3"], second.Select(b => b.BatchId));
            // Idle for 500 ms, every entity passivates (the shard region then hosts none) and comes back with its state.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            int hosted;
            do
            {
                await Task.Delay(200);
                var regionState = await region2.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, AskTimeout);
                hosted = regionState.Shards.Sum(s => s.EntityIds.Count);
            } while (hosted > 0 && DateTime.UtcNow < deadline);
            Assert.Equal(0, hosted);
            Assert.Equal(9, (await View(region2, "ann")).EventsApplied);
            Assert.Equal(6, first.Count);
        }
        finally
        {
            await host2.StopAsync();
            host2.Dispose();
        }
    }

    [Fact]
    public async Task The_sqlite_journal_writes_from_a_thread_of_its_own()
    {
        var (host, region) = await StartHostAsync(false, PersistenceOptions.Sqlite(Path.Combine(_dir, "journal.db")), Index);
        try
        {
            Assert.Equal(3, (await Script(region, 1, 3)).Count);
            var system = host.Services.GetRequiredService<ActorSystem>();
            var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
            Assert.Equal(PersistenceOptions.JournalDispatcher, ((Akka.Actor.ActorRefWithCell)journal).Underlying is Akka.Actor.ActorCell cell
                ? cell.Dispatcher.Id : "(not a local actor)");
            Assert.Equal(PersistenceOptions.JournalDispatcher, system.Settings.Config.GetString("akka.persistence.journal.sql.materializer-dispatcher"));
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    [Fact]
    public async Task The_index_can_come_from_the_service_provider()
    {
        var host = new Microsoft.Extensions.Hosting.HostBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton(Index);
                services.AddAkka("di", (builder, _) =>
                {
                    builder.WithMusicRecPersistence(PersistenceOptions.InMemory());
                    builder.AddUserRecommenders(new RecommenderOptions { UseSharding = false });
                });
            })
            .Build();
        await host.StartAsync();
        try
        {
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var region = await registry.GetAsync<UserRecommenderRegion>();
            for (var i = 1; i <= 2; i++) await Send(region, "dee", i, Index.Tracks[i].TrackId);
            Assert.Single((await Send(region, "dee", 3, Index.Tracks[3].TrackId)).Batches);
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
