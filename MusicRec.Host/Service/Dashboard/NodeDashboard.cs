using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Catalog.Features;
using MusicRec.Insights;
using MusicRec.Recommendation;
using MusicRec.Streaming.Transport;
using MusicRec.Web.Dashboard;

namespace MusicRec.Host.Service.Dashboard;

/// <summary>The dashboard's data on a service node: its cluster view, sharding stats of every region, the index, the samples.</summary>
internal sealed class NodeDashboard(
    ActorSystem system, RecommenderRegion region, SimilarityIndex index, IMessageTransport transport, MetricHistory history,
    ILogger<NodeDashboard> log) : IDashboardData
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(4);
    private readonly Lazy<DashboardCatalogue> _catalogue = new(() => Catalogue(index));

    public async Task<DashboardOverview> OverviewAsync(CancellationToken ct)
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members
            .Select(m => new DashboardMember(m.Address.ToString(), m.Status.ToString(), !unreachable.Contains(m.Address), m.Address == cluster.SelfAddress))
            .ToList();
        return new DashboardOverview(cluster.SelfAddress.ToString(), cluster.SelfMember.Status.ToString(), state.Leader?.ToString(),
            members, await NodesAsync(state, ct), _catalogue.Value, transport.Describe(), (long)history.Interval.TotalMilliseconds);
    }

    /// <summary>Each member with its region's shards and entities; without them when the stats are not to be had.</summary>
    private async Task<IReadOnlyList<DashboardNode>> NodesAsync(ClusterEvent.CurrentClusterState state, CancellationToken ct)
    {
        var stats = await ShardingStatsAsync(ct);
        return state.Members.Select(m => m.Address).Select(a => stats is not null && stats.Regions.TryGetValue(a, out var s)
            ? new DashboardNode(a.ToString(), s.Stats.Count, s.Stats.Values.Sum())
            : new DashboardNode(a.ToString(), null, null)).ToList();
    }

    /// <summary>Every region's stats, asked through this node's region (each node answers for its own); null when there is no region yet or it did not answer.</summary>
    private async Task<ClusterShardingStats?> ShardingStatsAsync(CancellationToken ct)
    {
        if (region.TryGet() is not { } r) return null;
        try
        {
            return await r.Ask<ClusterShardingStats>(new GetClusterShardingStats(AskTimeout - TimeSpan.FromSeconds(1)), AskTimeout, ct);
        }
        catch (AskTimeoutException e)
        {
            log.LogDebug("Cluster sharding stats not available: {Reason}", e.Message);
            return null;
        }
    }

    public DashboardSeries Series(long afterUnixMs) => history.After(afterUnixMs);

    public CatalogueMap Map() => CatalogueMap.From(index);

    public DashboardTrack? Track(int trackId) =>
        index.TryGetInfo(trackId, out var info) ? new DashboardTrack(info.TrackId, info.Title, info.Artist, info.Genre) : null;

    public async Task<DashboardUser?> UserAsync(string userId, CancellationToken ct)
    {
        if (region.TryGet() is not { } r) return null;
        try
        {
            var view = await r.Ask<UserRecommenderProtocol.UserStateView>(new UserRecommenderProtocol.GetUserState(userId), AskTimeout, ct);
            var recommended = view.LatestBatches.TakeLast(3).SelectMany(b => b.Tracks).Select(t => t.TrackId).Distinct().ToList();
            return new DashboardUser(userId, view.RecentTracks, recommended, view.PendingSuggestions);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private static DashboardCatalogue Catalogue(SimilarityIndex index)
    {
        var genres = index.Tracks.GroupBy(CatalogueMap.GenreOf)
            .Select(g => new NamedCount(g.Key, g.Count())).OrderByDescending(g => g.Count).ThenBy(g => g.Name, StringComparer.Ordinal).ToList();
        var sources = index.Tracks.GroupBy(FeatureSourceOf)
            .Select(g => new NamedCount(g.Key, g.Count())).OrderByDescending(g => g.Count).ToList();
        return new DashboardCatalogue(index.Count, genres, sources);
    }

    /// <summary>Where a track's features came from: computed from its audio, or FMA's features.csv.</summary>
    private static string FeatureSourceOf(TrackInfo track) =>
        track.FeatureSource == FeatureSources.Audio ? "audio (computed)" : track.FeatureSource;
}

/// <summary>Samples this node's pipeline counters, consumer lag and feedback into the dashboard's one-hour history.</summary>
internal sealed class DashboardSampler(MetricHistory history, ServiceMetrics metrics, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(history.Interval, clock);
        do
        {
            var pipeline = metrics.Pipeline?.Metrics;
            history.Add(new DashboardSample(
                clock.GetUtcNow().ToUnixTimeMilliseconds(),
                pipeline?.EventsApplied ?? 0,
                pipeline?.Batches ?? 0,
                pipeline?.EventsDeadLettered ?? 0,
                metrics.LastConsumerLag,
                metrics.FeedbackBySource));
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
