using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MusicRec.Stores;

namespace MusicRec.Web;

/// <summary>
/// Readiness is ASP.NET Core health checks tagged <see cref="Tag"/>. The web host registers "store" and "feed";
/// a host adds its own, e.g. <c>services.AddHealthChecks().AddCheck&lt;KafkaCheck&gt;("bus", tags: [Readiness.Tag])</c>.
/// The response names each check and its status only: descriptions and exceptions are logged, never shown,
/// so no connection string can leak.
/// </summary>
public static class Readiness
{
    public const string Tag = "ready";

    internal static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "ok" : "unavailable"),
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, WebJson.Options, context.RequestAborted);
    }
}

/// <summary>The catalogue store answers <see cref="ITrackStore.PingAsync"/> within two seconds.</summary>
public sealed class TrackStoreHealthCheck(ITrackStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await store.PingAsync(timeout.Token)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("store did not answer the ping");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("store unreachable", e);
        }
    }
}

/// <summary>The recommendation feed is being read without error.</summary>
public sealed class FeedHealthCheck(RecommendationFeedReader reader) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(reader.State == RecommendationFeedReader.FeedState.Reading
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"feed {reader.State}"));
}
