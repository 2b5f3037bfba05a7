using MusicRec.Contracts;

namespace MusicRec.Recommendation;

/// <summary>
/// The per-user recommender's public protocol: the stream stage asks with <see cref="ApplyActivity"/> and
/// commits the event's offset only after <see cref="ActivityApplied"/> (the event is persisted by then).
/// </summary>
public static class UserRecommenderProtocol
{
    public interface IWithUserId
    {
        string UserId { get; }
    }

    /// <summary>
    /// Apply one validated activity event to the user's state. With a <see cref="CorrelationId"/> (not 0) the answer
    /// carries it back (<see cref="ActivityApplied"/> or <see cref="ActivityRefused"/>), so one actor can take the
    /// answers of many events (the pipeline's <c>RecommenderAsker</c>); without one, the answer is
    /// <see cref="ActivityApplied"/> or a <see cref="Akka.Actor.Status.Failure"/>, as an Ask expects.
    /// </summary>
    public sealed record ApplyActivity(string UserId, ActivityEvent Activity) : IWithUserId
    {
        public long CorrelationId { get; init; }
    }

    /// <summary>
    /// Reply once the event is persisted. <paramref name="Batches"/> are the batches this event completed
    /// (zero or one; the same batch ids again for a redelivered event, so consumers can drop repeats).
    /// <paramref name="Duplicate"/> is true when the event id had been applied before (state unchanged).
    /// </summary>
    public sealed record ActivityApplied(string EventId, IReadOnlyList<RecommendationBatch> Batches, bool Duplicate)
    {
        /// <summary>The <see cref="ApplyActivity.CorrelationId"/> of the command answered (0 when it had none).</summary>
        public long CorrelationId { get; init; }
    }

    /// <summary>The event was not applied (invalid for this user, or the journal rejected its write), and why.</summary>
    public sealed record ActivityRefused(long CorrelationId, string EventId, string Reason);

    /// <summary>
    /// The answer to <paramref name="command"/>: <paramref name="reply"/> (an <see cref="ActivityApplied"/> or a
    /// <see cref="Akka.Actor.Status.Failure"/>) as it is, or carrying the command's correlation id when it has one.
    /// </summary>
    public static object Answer(ApplyActivity command, object reply) => command.CorrelationId == 0 ? reply : reply switch
    {
        ActivityApplied applied when applied.CorrelationId == command.CorrelationId => applied,
        ActivityApplied applied => applied with { CorrelationId = command.CorrelationId },
        Akka.Actor.Status.Failure failure => new ActivityRefused(command.CorrelationId, command.Activity.EventId, failure.Cause.Message),
        _ => reply,
    };

    /// <summary>Ask for a read-only view of the user's state (tests, diagnostics, web).</summary>
    public sealed record GetUserState(string UserId) : IWithUserId;

    public sealed record UserStateView(
        string UserId, long EventsApplied, long BatchesEmitted,
        IReadOnlyList<int> RecentTracks, IReadOnlyList<int> RecommendedTracks, IReadOnlyList<int> PendingSuggestions)
    {
        /// <summary>The taste profile in the similarity index's space (not normalised; empty before the first known track).</summary>
        public IReadOnlyList<float> TasteProfile { get; init; } = [];
        /// <summary>The last few batches emitted, oldest first (what a redelivered event is answered with).</summary>
        public IReadOnlyList<RecommendationBatch> LatestBatches { get; init; } = [];
    }

    /// <summary>
    /// Stops an entity after the messages already in its mailbox (and any persist in progress): the sharding
    /// handoff stop message and the passivation stop message. PoisonPill would cut an in-flight persist short.
    /// </summary>
    public sealed record StopEntity
    {
        public static readonly StopEntity Instance = new();
        private StopEntity() { }
    }
}
