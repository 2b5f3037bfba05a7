using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Tests.Recommendation;

internal static class RecommenderTestKit
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The journal as the service configures it (for SQLite: with its connection options) and its serializer; <paramref name="first"/> takes precedence.</summary>
    public static ActorSystemSetup SetupFor(PersistenceOptions persistence, Config? first = null) =>
        persistence.ToSetup((first ?? Config.Empty)
            .WithFallback(persistence.ToConfig())
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));

    /// <summary>A plain ActorSystem with <see cref="SetupFor"/>.</summary>
    public static ActorSystem SystemFor(string name, PersistenceOptions persistence) =>
        ActorSystem.Create(name, SetupFor(persistence));

    /// <summary><paramref name="value"/> through the recommender's serializer and back.</summary>
    public static T RoundTrip<T>(this ActorSystem system, T value) where T : notnull
    {
        var serializer = system.Serialization.FindSerializerFor(value);
        Assert.IsType<RecommenderSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, value);
        return (T)system.Serialization.Deserialize(serializer.ToBinary(value), serializer.Identifier, manifest);
    }

    public static ActivityEvent Event(string user, int n, int track, string action = Actions.Like) =>
        new($"{user}-e{n}", user, track, action, T0.AddSeconds(n));

    public static Task<ActivityApplied> Send(IActorRef target, string user, int n, int track, string action = Actions.Like) =>
        target.Ask<ActivityApplied>(new ApplyActivity(user, Event(user, n, track, action)), AskTimeout);

    public static Task<UserStateView> View(IActorRef target, string user) =>
        target.Ask<UserStateView>(new GetUserState(user), AskTimeout);

    public static IActorRef LocalParent(ActorSystem system, SimilarityIndex index, RecommenderOptions options, string? name = null)
    {
        var context = options.SuggestionsFrom(index);
        return system.ActorOf(UserRecommenderParent.Props(id => UserRecommenderActor.Props(id, context, options)),
            name ?? "recommenders-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>A generic host with Akka.Hosting, the recommenders and persistence, as the service wires them.</summary>
    public static async Task<(IHost Host, IActorRef Region)> StartHostAsync(bool sharding, PersistenceOptions persistence,
        SimilarityIndex index, RecommenderOptions? options = null)
    {
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("rec-" + Guid.NewGuid().ToString("N")[..8], (builder, _) =>
            {
                builder.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                builder.WithMusicRecPersistence(persistence);
                if (sharding) builder.WithSingleNodeCluster();
                builder.AddUserRecommenders((options ?? new RecommenderOptions()) with { UseSharding = sharding, Index = index });
            }))
            .Build();
        await host.StartAsync();
        var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<UserRecommenderRegion>();
        return (host, region);
    }

    public static void AssertSameView(UserStateView expected, UserStateView actual)
    {
        Assert.Equal(expected.UserId, actual.UserId);
        Assert.Equal(expected.EventsApplied, actual.EventsApplied);
        Assert.Equal(expected.BatchesEmitted, actual.BatchesEmitted);
        Assert.Equal(expected.RecentTracks, actual.RecentTracks);
        Assert.Equal(expected.RecommendedTracks, actual.RecommendedTracks);
        Assert.Equal(expected.PendingSuggestions, actual.PendingSuggestions);
        Assert.Equal(expected.TasteProfile, actual.TasteProfile);
        BatchAssert.Equal(expected.LatestBatches, actual.LatestBatches);
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "musicrec-rec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
