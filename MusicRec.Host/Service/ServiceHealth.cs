using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MusicRec.Host.Service;

/// <summary>Health check tags: /healthz runs the liveness checks, /readyz the readiness ones.</summary>
internal static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}

/// <summary>Live while the actor system runs (a downed node terminates it and the process exits soon after).</summary>
internal sealed class ActorSystemLivenessCheck(ActorSystem system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(system.WhenTerminated.IsCompleted
            ? HealthCheckResult.Unhealthy("actor system terminated")
            : HealthCheckResult.Healthy());
}

/// <summary>Ready for traffic only while this node is an Up member of the cluster.</summary>
internal sealed class ClusterUpCheck(ActorSystem system) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var self = Cluster.Get(system).SelfMember;
        return Task.FromResult(self.Status == MemberStatus.Up
            ? HealthCheckResult.Healthy($"{self.Address} is Up")
            : HealthCheckResult.Unhealthy($"{self.Address} is {self.Status}"));
    }
}

/// <summary>Ready once the recommender shard region has started and answered the last sample.</summary>
internal sealed class ShardRegionCheck(ClusterStatusSampler sampler) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(sampler.LastRegionState is { } state
            ? HealthCheckResult.Healthy($"recommender region started, {state.Shards.Count} shard(s) here")
            : HealthCheckResult.Unhealthy("recommender region has not answered yet"));
}
