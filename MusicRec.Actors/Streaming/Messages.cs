using MusicRec.Contracts;

namespace MusicRec.Streaming;

/// <summary>Kafka topic names (SPEC.md).</summary>
public static class Topics
{
    public const string UserActivity = "user_activity";
    public const string Recommendations = "recommendations";
    public const string UserActivityDlq = "user_activity.dlq";
}

/// <summary>Publishes listener activity (Kafka producer or the in-process bus). Used by the web host and the simulator.</summary>
public interface IActivityPublisher
{
    Task PublishAsync(ActivityEvent activity, CancellationToken ct = default);
}

/// <summary>Reads recommendation batches as they are published (its own consumer group on Kafka, or the in-process bus).</summary>
public interface IRecommendationFeed
{
    IAsyncEnumerable<RecommendationBatch> ReadAsync(CancellationToken ct);
}
