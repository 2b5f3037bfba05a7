using MusicRec.Streaming;

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

    /// <summary>Apply one validated activity event to the user's state.</summary>
    public sealed record ApplyActivity(string UserId, ActivityEvent Activity) : IWithUserId;

    /// <summary>
    /// Reply once the event is persisted. <paramref name="Batches"/> are the batches this event completed
    /// (zero or one; the same batch ids again for a redelivered event, so consumers can drop repeats).
    /// <paramref name="Duplicate"/> is true when the event id had been applied before (state unchanged).
    /// </summary>
    public sealed record ActivityApplied(string EventId, IReadOnlyList<RecommendationBatch> Batches, bool Duplicate);

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
