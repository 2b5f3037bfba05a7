using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MusicRec.Host.Service;

/// <summary>How the host reaches the recommender shard region, wherever the region was registered.</summary>
internal sealed class RecommenderRegion(Func<IActorRef?> resolve)
{
    /// <summary>The region, or null while the actor system has not started it yet.</summary>
    public IActorRef? TryGet() => resolve();
}

/// <summary>What a node reports about itself on /api/admin/cluster (and the test waits on).</summary>
internal sealed record ClusterStatusView(
    string SelfAddress, string SelfStatus, IReadOnlyList<MemberView> Members, IReadOnlyList<string> Unreachable,
    string? Leader, int Shards, int Entities);

internal sealed record MemberView(string Address, string Status);

/// <summary>
/// Samples the cluster and this node's shard region every few seconds for the gauges and readiness.
/// Asking the region from a scrape would block the scrape on an actor; a cached sample does not.
/// </summary>
internal sealed class ClusterStatusSampler(
    ActorSystem system, RecommenderRegion region, ServiceMetrics metrics, ILogger<ClusterStatusSampler> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private volatile CurrentShardRegionState? _lastRegionState;

    public CurrentShardRegionState? LastRegionState => _lastRegionState;

    public ClusterStatusView Snapshot()
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        var regionState = _lastRegionState;
        return new ClusterStatusView(
            cluster.SelfAddress.ToString(),
            cluster.SelfMember.Status.ToString(),
            state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString())).ToList(),
            state.Unreachable.Select(m => m.Address.ToString()).ToList(),
            state.Leader?.ToString(),
            regionState?.Shards.Count ?? 0,
            regionState?.Shards.Sum(s => s.EntityIds.Count) ?? 0);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var cluster = Cluster.Get(system);
                metrics.Members(cluster.State.Members.Count(m => m.Status == MemberStatus.Up));
                if (region.TryGet() is { } r)
                {
                    var state = await r.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5), stoppingToken);
                    _lastRegionState = state;
                    metrics.Sharding(state.Shards.Count, state.Shards.Sum(s => s.EntityIds.Count));
                }
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                log.LogDebug("Shard region state not available yet: {Reason}", e.Message);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
