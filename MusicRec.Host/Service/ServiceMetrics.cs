using System.Diagnostics.Metrics;

namespace MusicRec.Host.Service;

/// <summary>
/// The service's OpenTelemetry instruments on the Meter "MusicRec" (exported on /metrics for Prometheus).
/// Counters (read from the pipeline's own) give rates through Prometheus' rate(): events/s and batches/s.
/// Gauges read the latest sample that <see cref="ClusterStatusSampler"/> or <see cref="ConsumerLagSampler"/> last recorded, so a scrape never blocks on an actor.
/// </summary>
internal sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "MusicRec";

    private readonly Meter _meter;
    private volatile MusicRec.Streaming.ActivityPipelineControl? _pipeline;
    private long _consumerLag = -1;
    private long _entities;
    private long _shards;
    private long _members;

    public ServiceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableCounter("musicrec.events", () => _pipeline?.Metrics.EventsApplied ?? 0, "{event}",
            "Activity events applied by this node's pipeline (rate() gives events/s).");
        _meter.CreateObservableCounter("musicrec.events.received", () => _pipeline?.Metrics.EventsReceived ?? 0, "{event}",
            "Activity events read from the bus by this node.");
        _meter.CreateObservableCounter("musicrec.events.invalid", () => _pipeline?.Metrics.EventsDeadLettered ?? 0, "{event}",
            "Invalid events set aside to the dead-letter topic.");
        _meter.CreateObservableCounter("musicrec.batches", () => _pipeline?.Metrics.Batches ?? 0, "{batch}",
            "Recommendation batches published by this node (rate() gives batches/s).");
        _meter.CreateObservableCounter("musicrec.offsets.committed", () => _pipeline?.Metrics.Committed ?? 0, "{offset}",
            "Offsets committed after their events' effects were persisted and delivered.");
        _meter.CreateObservableGauge("musicrec.consumer.lag", () => Volatile.Read(ref _consumerLag), "{message}",
            "Messages on this node's assigned user_activity partitions not yet consumed (-1 before the first sample).");
        _meter.CreateObservableGauge("musicrec.entities", () => Volatile.Read(ref _entities), "{entity}",
            "User recommender entities alive on this node.");
        _meter.CreateObservableGauge("musicrec.shards", () => Volatile.Read(ref _shards), "{shard}",
            "Shards of the recommender region hosted by this node.");
        _meter.CreateObservableGauge("musicrec.cluster.members", () => Volatile.Read(ref _members), "{member}",
            "Cluster members this node sees as Up.");
    }

    /// <summary>Reads the running pipeline's counters from now on.</summary>
    public void Attach(MusicRec.Streaming.ActivityPipelineControl pipeline) => _pipeline = pipeline;
    public void ConsumerLag(long lag) => Volatile.Write(ref _consumerLag, lag);
    /// <summary>The running pipeline (null before it started), for the dashboard's samples.</summary>
    public MusicRec.Streaming.ActivityPipelineControl? Pipeline => _pipeline;
    /// <summary>The latest consumer lag sample (-1 before the first).</summary>
    public long LastConsumerLag => Volatile.Read(ref _consumerLag);
    public void Sharding(long shards, long entities)
    {
        Volatile.Write(ref _shards, shards);
        Volatile.Write(ref _entities, entities);
    }
    public void Members(long up) => Volatile.Write(ref _members, up);

    public void Dispose() => _meter.Dispose();
}
