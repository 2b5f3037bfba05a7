using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MusicRec.Catalog;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Stores;
using MusicRec.Streaming;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.IntegrationTests.Recommendation;

/// <summary>The shared journal of the cluster issue: Akka.Persistence.Sql on PostgreSQL (provider PostgreSQL.15).</summary>
public class PostgreSqlJournalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string ConnectionString() =>
        Environment.GetEnvironmentVariable("MUSICREC_TEST_PG") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("MUSICREC_TEST_PG is not set: run scripts/test.sh (it starts PostgreSQL)");

    private static SimilarityIndex Index()
    {
        var random = new Random(4);
        double Gaussian() => Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var centres = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 154).Select(_ => Gaussian() * 0.5).ToArray()).ToArray();
        return SimilarityIndex.Build(Enumerable.Range(1, 200).Select(id =>
        {
            var f = centres[id % 4].Select(c => c + Gaussian()).ToArray();
            return new TrackDocument
            {
                TrackId = id,
                Metadata = new TrackRecord { TrackId = id, Title = $"Song {id}", ArtistName = "A", GenreTop = $"G{id % 4}" },
                Mfccs = f[..20], SpectralCentroid = f[140], ZeroCrossingRate = f[147], Features = f,
            };
        }));
    }

    private static async Task<(IHost Host, IActorRef Region)> Start(SimilarityIndex index, string connectionString)
    {
        var host = new HostBuilder().ConfigureServices(s => s.AddAkka("pg-" + Guid.NewGuid().ToString("N")[..6], (b, _) =>
        {
            b.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
            b.WithMusicRecPersistence(PersistenceOptions.PostgreSql(connectionString));
            b.WithSingleNodeCluster();
            b.AddUserRecommenders(new RecommenderOptions { Index = index, SnapshotEvery = 4 });
        })).Build();
        await host.StartAsync();
        return (host, await host.Services.GetRequiredService<ActorRegistry>().GetAsync<UserRecommenderRegion>());
    }

    [Fact]
    public async Task Sharded_recommenders_recover_from_the_postgresql_journal()
    {
        var cs = ConnectionString();
        var index = Index();
        var user = "pg" + Guid.NewGuid().ToString("N")[..10];
        Task<ActivityApplied> Send(IActorRef region, int n) => region.Ask<ActivityApplied>(
            new ApplyActivity(user, new ActivityEvent($"{user}-{n}", user, index.Tracks[n * 7 % index.Count].TrackId,
                n % 4 == 0 ? Actions.Skip : Actions.Like, T0.AddSeconds(n))), TimeSpan.FromSeconds(30));

        var (host1, region1) = await Start(index, cs);
        var batches = new List<RecommendationBatch>();
        for (var n = 1; n <= 7; n++) batches.AddRange((await Send(region1, n)).Batches);
        var before = await region1.Ask<UserStateView>(new GetUserState(user), TimeSpan.FromSeconds(30));
        await host1.StopAsync();
        host1.Dispose();
        Assert.Equal([$"{user}-1", $"{user}-2"], batches.Select(b => b.BatchId));

        var (host2, region2) = await Start(index, cs);
        try
        {
            var after = await region2.Ask<UserStateView>(new GetUserState(user), TimeSpan.FromSeconds(30));
            Assert.Equal(before.EventsApplied, after.EventsApplied);
            Assert.Equal(before.RecentTracks, after.RecentTracks);
            Assert.Equal(before.RecommendedTracks, after.RecommendedTracks);
            Assert.Equal(before.PendingSuggestions, after.PendingSuggestions);
            Assert.Equal(before.TasteProfile, after.TasteProfile);
            Assert.True((await Send(region2, 7)).Duplicate);
            await Send(region2, 8);
            Assert.Equal($"{user}-3", Assert.Single((await Send(region2, 9)).Batches).BatchId);
        }
        finally
        {
            await host2.StopAsync();
            host2.Dispose();
        }
    }
}
