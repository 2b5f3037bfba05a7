using MusicRec.Insights;
using MusicRec.Streaming.Feedback;

namespace MusicRec.Web.Dashboard;

/// <summary>What the dashboard shows, supplied by the host (the service node knows the cluster; the web page does not).</summary>
public interface IDashboardData
{
    /// <summary>This node, the cluster's members, shards and entities per node, and the catalogue overview.</summary>
    Task<DashboardOverview> OverviewAsync(CancellationToken ct);

    /// <summary>The samples of the last hour taken after <paramref name="afterUnixMs"/> (0 for all).</summary>
    DashboardSeries Series(long afterUnixMs);

    /// <summary>The catalogue on the index's first two principal components, computed anew on each call (<see cref="DashboardMapCache"/> calls it once).</summary>
    CatalogueMap Map();

    /// <summary>One catalogue track for the map's hover, or null when the catalogue has no such track.</summary>
    DashboardTrack? Track(int trackId);

    /// <summary>The user's recent tracks and recommendations as the user's entity reports them; null when it did not answer in time.</summary>
    Task<DashboardUser?> UserAsync(string userId, CancellationToken ct);
}

public sealed record DashboardOverview(
    string Node, string NodeStatus, string? Leader, IReadOnlyList<DashboardMember> Members,
    IReadOnlyList<DashboardNode> Nodes, DashboardCatalogue Catalogue, string Bus, long SampleIntervalMs);

public sealed record DashboardMember(string Address, string Status, bool Reachable, bool IsSelf);

/// <summary>Shards and entities of the recommender region on one node (<see cref="Entities"/> null when that node did not answer).</summary>
public sealed record DashboardNode(string Address, int? Shards, int? Entities);

public sealed record DashboardCatalogue(int Tracks, IReadOnlyList<NamedCount> Genres, IReadOnlyList<NamedCount> FeatureSources);

public sealed record NamedCount(string Name, int Count);

public sealed record DashboardSeries(long IntervalMs, IReadOnlyList<DashboardSample> Samples);

/// <summary>
/// One sample of this node's pipeline: counters since the node started (rates are their differences) and the consumer
/// lag at that moment (-1 when unknown); feedback on recommended tracks by source.
/// </summary>
public sealed record DashboardSample(
    long T, long Events, long Batches, long Invalid, long Lag, IReadOnlyDictionary<string, FeedbackCounts> Feedback);

public sealed record DashboardTrack(int TrackId, string Title, string Artist, string Genre);

public sealed record DashboardUser(string UserId, IReadOnlyList<int> History, IReadOnlyList<int> Recommended, IReadOnlyList<int> Pending);
