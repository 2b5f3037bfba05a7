using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>ActorRegistry key of the entry point to the per-user recommenders (shard region or local parent).</summary>
public sealed class UserRecommenderRegion
{
    private UserRecommenderRegion() { }
}

public sealed record RecommenderOptions
{
    /// <summary>True: cluster sharding entities (needs Akka.Cluster); false: a local parent with one child per user.</summary>
    public bool UseSharding { get; init; } = true;
    public string RegionName { get; init; } = "user-recommender";
    public int NumberOfShards { get; init; } = 100;
    /// <summary>Cluster role hosting the entities (null: every node).</summary>
    public string? Role { get; init; }
    /// <summary>An entity idle this long is passivated (null or zero: never).</summary>
    public TimeSpan? IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>
    /// Save a snapshot after this many more applied activities (0: never), then delete what it covers. Not much
    /// smaller: on SQLite each deletion is a write transaction competing with the journal's writer for the one write
    /// lock (docs/benchmarks.md); recovery replays at most this many small events.
    /// </summary>
    public int SnapshotEvery { get; init; } = 500;
    public TasteSettings Taste { get; init; } = new();
    /// <summary>Most events one journal write carries (group commit: events that arrive while a write is in flight share the next).</summary>
    public int MaxEventsPerWrite { get; init; } = 256;
    /// <summary>
    /// HNSW beam of the per-event suggestion query (one best allowed track, not the index's generic top-k; null: the
    /// index's own beam, 128). The taste profile is a decayed sum of catalogue tracks, so its nearest tracks sit in
    /// dense, well-linked parts of the graph and a narrower beam finds them: the query is about half of an event's CPU,
    /// and 80 still gives the exact scan's answer almost always (docs/benchmarks.md). Audio similarity alone; the
    /// blend's audio source has <see cref="BlendOptions.AudioBeam"/>.
    /// </summary>
    public int? SuggestionBeam { get; init; } = 80;
    /// <summary>The index to recommend from; when null it is resolved from the service provider (register a SimilarityIndex singleton).</summary>
    public SimilarityIndex? Index { get; init; }
    /// <summary>The blend's weights and rules (HOCON <c>musicrec.recommender.blend</c>).</summary>
    public BlendOptions Blend { get; init; } = new();
    /// <summary>How the sources read a listener's history, skips included (HOCON <c>musicrec.recommender.blend.skips</c>).</summary>
    public TasteReading Reading { get; init; } = new();
    /// <summary>
    /// The node's shared listening model; when null it is resolved from the service provider (<c>AddListeningModel</c>
    /// registers one), and without one the recommenders suggest by audio similarity alone.
    /// </summary>
    public ListeningModel? Model { get; init; }
    /// <summary>Where suggestions come from, given the catalogue (null: the hybrid blend over <see cref="Model"/>).</summary>
    public Func<SimilarityIndex, SuggestionContext>? Suggestions { get; init; }

    /// <summary>The context the recommenders decide with over <paramref name="catalogue"/> and <paramref name="model"/>.</summary>
    public SuggestionContext SuggestionsFrom(SimilarityIndex catalogue, ListeningModel? model = null) =>
        Suggestions?.Invoke(catalogue) ?? ((model ?? Model) is { } m
            ? SuggestionContext.Hybrid(catalogue, m, Blend, Reading)
            : SuggestionContext.ContentBased(catalogue, SuggestionBeam, Reading));

    /// <summary>The context over the index and model given here, or else the service provider's.</summary>
    internal SuggestionContext ResolveSuggestions(Akka.DependencyInjection.IDependencyResolver resolver) =>
        SuggestionsFrom(Index ?? resolver.GetService<SimilarityIndex>(), Model ?? resolver.GetService<ListeningModel>());
}

/// <summary>Routes any <see cref="IWithUserId"/> message to the entity named by its user id.</summary>
public sealed class UserMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    public override string? EntityId(object message) => message switch
    {
        IWithUserId m => m.UserId,
        _ => null,
    };
}

public static class RecommenderHostingExtensions
{
    /// <summary>
    /// Adds the per-user recommenders and registers their entry point under <see cref="UserRecommenderRegion"/>.
    /// One switch, <see cref="RecommenderOptions.UseSharding"/>, chooses a shard region or a local parent; the entity
    /// actor is the same either way. Persistence comes from <c>WithMusicRecPersistence</c>.
    /// </summary>
    public static AkkaConfigurationBuilder AddUserRecommenders(this AkkaConfigurationBuilder builder, RecommenderOptions options)
    {
        builder.WithCustomSerializer(RecommenderSerializer.Name, RecommenderSerializer.BoundTypes, system => new RecommenderSerializer(system));
        if (options.UseSharding)
        {
            return builder.WithShardRegion<UserRecommenderRegion>(
                options.RegionName,
                (_, _, resolver) =>
                {
                    var context = options.ResolveSuggestions(resolver);
                    return userId => UserRecommenderActor.Props(userId, context, options);
                },
                new UserMessageExtractor(options.NumberOfShards),
                new ShardOptions
                {
                    Role = options.Role,
                    HandOffStopMessage = StopEntity.Instance,
                    // DData remember-entities crashes with the LightningDB served here; entities start on demand.
                    RememberEntities = false,
                    StateStoreMode = StateStoreMode.DData,
                    // The entity passivates itself on ReceiveTimeout, identically in both modes.
                    ShouldPassivateIdleEntities = false,
                });
        }

        return builder.WithActors((system, registry, resolver) =>
        {
            var context = options.ResolveSuggestions(resolver);
            var parent = system.ActorOf(
                UserRecommenderParent.Props(userId => UserRecommenderActor.Props(userId, context, options)),
                options.RegionName);
            registry.Register<UserRecommenderRegion>(parent);
        });
    }

    /// <summary>
    /// A cluster of one: remoting on <paramref name="hostname"/>:<paramref name="port"/> (0 picks a free port) and the
    /// node joins itself once started, so sharding works with nothing else running. The multi-node service sets up
    /// seed nodes instead.
    /// </summary>
    public static AkkaConfigurationBuilder WithSingleNodeCluster(this AkkaConfigurationBuilder builder,
        string hostname = "127.0.0.1", int port = 0)
    {
        return builder
            .WithRemoting(hostname, port)
            .WithClustering(new ClusterOptions())
            .AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
    }
}
