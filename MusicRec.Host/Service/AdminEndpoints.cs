using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Model;
using MusicRec.Streaming.Feedback;

namespace MusicRec.Host.Service;

/// <summary>
/// Diagnostics for operators and the multi-process test: the node's view of the cluster, and any user's
/// state, asked through the shard region so the answer comes from wherever the user's entity lives.
/// Read-only; bound to the same loopback listener as the rest of the node's HTTP surface.
/// </summary>
internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapMusicRecAdmin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/admin/cluster", (ClusterStatusSampler sampler) => Results.Ok(sampler.Snapshot()));

        // Like and skip rates of recommended tracks, overall and per source, and what the node's model has learned.
        app.MapGet("/api/stats", (ServiceMetrics metrics, ListeningModel model, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            var bySource = metrics.FeedbackBySource;
            static object Rates(FeedbackCounts c) => new
            {
                answers = c.Total, listens = c.Listens, likes = c.Likes, skips = c.Skips,
                like_rate = Math.Round(c.LikeRate, 4), skip_rate = Math.Round(c.SkipRate, 4),
            };
            var (tracks, listeners, occurrences) = (model.CoListening.Tracks, model.CoListening.Listeners, model.CoListening.Occurrences);
            return Results.Json(new
            {
                recommended = new
                {
                    overall = Rates(FeedbackCounts.Sum(bySource.Values)),
                    sources = bySource.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => Rates(p.Value)),
                },
                model = new { events = model.EventsObserved, occurrences, tracks, listeners },
            });
        });

        // Which users' entities live on this node now (for operators and the failover test).
        app.MapGet("/api/admin/entities", async (RecommenderRegion region, CancellationToken ct) =>
        {
            if (region.TryGet() is not { } r)
                return Results.Problem(statusCode: 503, title: "Recommender region not started yet");
            var state = await r.Ask<Akka.Cluster.Sharding.CurrentShardRegionState>(
                Akka.Cluster.Sharding.GetShardRegionState.Instance, TimeSpan.FromSeconds(5), ct);
            return Results.Ok(state.Shards.SelectMany(s => s.EntityIds).Order().ToList());
        });

        app.MapGet("/api/admin/users/{id}/state", async (string id, RecommenderRegion region, CancellationToken ct) =>
        {
            if (!UserIds.IsValid(id))
                return Results.Problem(statusCode: 400, title: "Invalid user id",
                    detail: $"User ids match {UserIds.Pattern}.");
            if (region.TryGet() is not { } r)
                return Results.Problem(statusCode: 503, title: "Recommender region not started yet");
            try
            {
                var view = await r.Ask<UserRecommenderProtocol.UserStateView>(
                    new UserRecommenderProtocol.GetUserState(id), TimeSpan.FromSeconds(10), ct);
                return Results.Ok(view);
            }
            catch (AskTimeoutException)
            {
                return Results.Problem(statusCode: 504, title: "The user's recommender did not answer in time",
                    detail: "Its shard may be moving between nodes; try again.");
            }
        });
        return app;
    }
}
