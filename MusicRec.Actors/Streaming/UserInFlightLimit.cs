namespace MusicRec.Streaming;

/// <summary>
/// At most a fixed number of one user's events between being sent to the recommender and having their batch
/// delivered; further events of that user wait and are sent in arrival order as earlier ones are delivered.
/// Why: after a crash every uncommitted event comes again, and the recommender answers a repeat with its batch only
/// while that batch is among the user's last <see cref="Recommendation.TasteSettings.MaxRecentBatches"/>. An event
/// whose batch may not have been delivered holds a slot here, so with the limit at most three events per remembered
/// batch, every batch a crash could have cut off is still there to be sent again. A very busy user waits; everyone
/// else is unaffected. One per materialised stream: a restarted stream starts with every slot free.
/// </summary>
internal sealed class UserInFlightLimit(int limit)
{
    private readonly Dictionary<string, User> _users = new(StringComparer.Ordinal);

    private sealed class User
    {
        public int InFlight;
        /// <summary>Created only for a user who ever waits.</summary>
        public Queue<Action>? Waiting;
    }

    /// <summary>Takes a slot if the user has one free and nobody waiting (the caller then sends at once).</summary>
    public bool TryEnter(string userId)
    {
        lock (_users) return TakeFree(userId) is null;
    }

    /// <summary>
    /// Runs <paramref name="send"/> now when the user has a free slot and nobody waiting, otherwise when an earlier
    /// event's slot is released; one user's sends run in the order they entered (under the lock, so two releases on
    /// different threads cannot swap them). Release the slot once the event's batch is delivered.
    /// </summary>
    public void Enter(string userId, Action send)
    {
        lock (_users)
        {
            if (TakeFree(userId) is { } user) (user.Waiting ??= new Queue<Action>()).Enqueue(send);
            else send();
        }
    }

    /// <summary>One of the user's slots is free again: it passes straight to the user's next waiting event.</summary>
    public void Release(string userId)
    {
        lock (_users)
        {
            var user = _users[userId];
            if (user.Waiting is { } waiting && waiting.TryDequeue(out var next)) next();
            else if (--user.InFlight == 0) _users.Remove(userId);
        }
    }

    /// <summary>Takes a free slot (null) or returns the user, who has none free (the caller holds the lock).</summary>
    private User? TakeFree(string userId)
    {
        if (!_users.TryGetValue(userId, out var user)) _users[userId] = user = new User();
        if (user.InFlight >= limit || user.Waiting?.Count > 0) return user;
        user.InFlight++;
        return null;
    }
}
