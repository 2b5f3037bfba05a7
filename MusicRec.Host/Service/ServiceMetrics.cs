using System.Diagnostics.Metrics;

namespace MusicRec.Host.Service;

/// <summary>
/// The service's OpenTelemetry instruments on the Meter "MusicRec" (exported on /metrics for Prometheus).
/// Counters give rates through Prometheus' rate(): events/s and batches/s. Gauges read the latest sample
/// that <see cref="ClusterStatusSampler"/> or the pipeline last recorded, so a scrape never blocks on an actor.
/// </summary>
internal sealed class ServiceMetrics : IDisposable
{
    public const string MeterName = "MusicRec";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _invalidEvents;
    private long _consumerLag = -1;
    private long _entities;
    private long _shards;
    private long _members;

    public ServiceMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _events = _meter.CreateCounter<long>("musicrec.events", "{event}", "Activity events applied by this node's pipeline.");
        _batches = _meter.CreateCounter<long>("musicrec.batches", "{batch}", "Recommendation batches published by this node.");
        _invalidEvents = _meter.CreateCounter<long>("musicrec.events.invalid", "{event}", "Events set aside to the DLQ.");
        _meter.CreateObservableGauge("musicrec.consumer.lag", () => Volatile.Read(ref _consumerLag), "{message}",
            "Messages on this node's assigned user_activity partitions not yet consumed (-1 before the first sample).");
        _meter.CreateObservableGauge("musicrec.entities", () => Volatile.Read(ref _entities), "{entity}",
            "User recommender entities alive on this node.");
        _meter.CreateObservableGauge("musicrec.shards", () => Volatile.Read(ref _shards), "{shard}",
            "Shards of the recommender region hosted by this node.");
        _meter.CreateObservableGauge("musicrec.cluster.members", () => Volatile.Read(ref _members), "{member}",
            "Cluster members this node sees as Up.");
    }

    public void EventsApplied(long count) => _events.Add(count);
    public void BatchesPublished(long count) => _batches.Add(count);
    public void EventsInvalid(long count) => _invalidEvents.Add(count);
    public void ConsumerLag(long lag) => Volatile.Write(ref _consumerLag, lag);
    public void Sharding(long shards, long entities)
    {
        Volatile.Write(ref _shards, shards);
        Volatile.Write(ref _entities, entities);
    }
    public void Members(long up) => Volatile.Write(ref _members, up);

    public void Dispose() => _meter.Dispose();
}
