using System.Diagnostics.Metrics;
using MusicRec.Streaming.Feedback;

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
        _meter.CreateObservableCounter("musicrec.recommended.answers", FeedbackAnswers, "{event}",
            "Listens, likes and skips of tracks in the listener's current batch, by the source that suggested them (tags source, action).");
        _meter.CreateObservableGauge("musicrec.recommended.like_rate", () => FeedbackRates(c => c.LikeRate), "1",
            "Likes among the answers to recommended tracks, by source (source=\"all\": every source).");
        _meter.CreateObservableGauge("musicrec.recommended.skip_rate", () => FeedbackRates(c => c.SkipRate), "1",
            "Skips among the answers to recommended tracks, by source (source=\"all\": every source).");
    }

    private IReadOnlyDictionary<string, FeedbackCounts> Feedback() =>
        _pipeline?.Metrics.Feedback.Snapshot() ?? new Dictionary<string, FeedbackCounts>();

    private IEnumerable<Measurement<long>> FeedbackAnswers()
    {
        foreach (var (source, c) in Feedback())
        {
            yield return new Measurement<long>(c.Listens, new("source", source), new("action", "listen"));
            yield return new Measurement<long>(c.Likes, new("source", source), new("action", "like"));
            yield return new Measurement<long>(c.Skips, new("source", source), new("action", "skip"));
        }
    }

    private IEnumerable<Measurement<double>> FeedbackRates(Func<FeedbackCounts, double> rate)
    {
        var all = Feedback();
        foreach (var (source, c) in all) yield return new Measurement<double>(rate(c), new KeyValuePair<string, object?>("source", source));
        yield return new Measurement<double>(rate(FeedbackCounts.Sum(all.Values)), new KeyValuePair<string, object?>("source", "all"));
    }

    /// <summary>What listeners did with recommended tracks, per source, since this node started (<c>GET /api/stats</c>).</summary>
    public IReadOnlyDictionary<string, FeedbackCounts> FeedbackBySource => Feedback();

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
