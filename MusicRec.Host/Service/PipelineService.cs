using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Host.Service;

/// <summary>
/// Runs the activity pipeline (user_activity → recommender region → recommendations) once the actor system
/// and the shard region are up, and drains it first thing on shutdown: in CoordinatedShutdown's
/// service-unbind phase, before the shard region hands off its shards and the node leaves the cluster, so
/// no event is in flight to an entity that is moving and every processed offset is committed.
/// </summary>
internal sealed class PipelineService(
    ActorSystem system, IRequiredActor<UserRecommenderRegion> region, IMessageTransport transport,
    SimilarityIndex index, ActivityPipelineSettings settings, ServiceMetrics metrics, ILogger<PipelineService> log)
    : IHostedService
{
    private ActivityPipelineControl? _pipeline;
    private int _drained;

    public ActivityPipelineControl? Pipeline => _pipeline;

    public async Task StartAsync(CancellationToken ct)
    {
        var recommender = await region.GetAsync(ct);
        var pipeline = ActivityPipeline.Start(system, transport, recommender, index.Contains, settings, log);
        _pipeline = pipeline;
        metrics.Attach(pipeline);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceUnbind, "drain-activity-pipeline", async () =>
        {
            await DrainAsync();
            return Akka.Done.Instance;
        });
        log.LogInformation("Started the {Pipeline}", pipeline.Description);
    }

    // Stopping the host runs this before Akka's own hosted service starts CoordinatedShutdown; a node downed
    // by the cluster runs CoordinatedShutdown directly. The drain is idempotent, so both paths meet here.
    public Task StopAsync(CancellationToken ct) => DrainAsync();

    private async Task DrainAsync()
    {
        if (_pipeline is not { } pipeline) return;
        if (Interlocked.Exchange(ref _drained, 1) == 1)
        {
            await pipeline.DrainAndShutdownAsync(); // waits for the drain the other path started
            return;
        }
        var started = DateTime.UtcNow;
        await pipeline.DrainAndShutdownAsync();
        log.LogInformation("Activity pipeline drained in {Ms} ms: {Applied} events applied, {Batches} batches, {Committed} offsets committed",
            (int)(DateTime.UtcNow - started).TotalMilliseconds, pipeline.Metrics.EventsApplied, pipeline.Metrics.Batches, pipeline.Metrics.Committed);
    }
}
