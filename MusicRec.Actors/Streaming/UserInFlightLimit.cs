namespace MusicRec.Streaming;

/// <summary>
/// One user's events between being sent to the recommender and having their batches delivered: at most a fixed number
/// of them, and their batches sent out in the order the events came.
/// Why the limit: after a crash every uncommitted event comes again, and the recommender answers a repeat with its batch
/// only while that batch is among the user's last <see cref="Recommendation.TasteSettings.MaxRecentBatches"/>. An event
/// whose batch may not have been delivered holds a slot here, so with the limit at most three events per remembered
/// batch, every batch a crash could have cut off is still there to be sent again. A very busy user waits; everyone
/// else is unaffected.
/// Why the order: each event's batches go out as soon as its own answer is in, so they may overtake an earlier event's
/// of another user, but never one of the same user's.
/// One per materialised stream: a restarted stream starts with every slot free.
/// </summary>
internal sealed class UserInFlightLimit(int limit)
{
    private readonly Dictionary<string, User> _users = new(StringComparer.Ordinal);

    private sealed class User
    {
        public int InFlight;
        /// <summary>Created only for a user who ever waits.</summary>
        public Queue<Action>? Waiting;
        /// <summary>Completes once the user's latest event has its batches sent out.</summary>
        public Task Sent = Task.CompletedTask;
    }

    /// <summary>
    /// Takes one of the user's slots and runs <paramref name="ask"/>: now when a slot is free and nobody waits, otherwise
    /// when an earlier event's slot is released, in arrival order (under the lock, so two releases on different threads
    /// cannot swap them). <paramref name="sent"/> is to complete once this event's batches are sent out;
    /// <paramref name="previous"/> is the user's previous event's, to await before sending. Call it in the events' order;
    /// release the slot once the batches are delivered.
    /// </summary>
    public Task<T> Enter<T>(string userId, Task sent, out Task previous, Func<Task<T>> ask)
    {
        TaskCompletionSource<Task<T>>? asked = null;
        lock (_users)
        {
            if (!_users.TryGetValue(userId, out var user)) _users[userId] = user = new User();
            previous = user.Sent;
            user.Sent = sent;
            if (user.InFlight < limit && user.Waiting is not { Count: > 0 }) user.InFlight++;
            else
            {
                asked = new TaskCompletionSource<Task<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
                var waiting = asked;
                (user.Waiting ??= new Queue<Action>()).Enqueue(() => waiting.SetResult(ask()));
            }
        }
        return asked is null ? ask() : asked.Task.Unwrap();
    }

    /// <summary>One of the user's slots is free again: it passes straight to the user's next waiting event.</summary>
    public void Release(string userId)
    {
        lock (_users)
        {
            var user = _users[userId];
            if (user.Waiting is { } waiting && waiting.TryDequeue(out var next)) next();
            // With no event in flight, every earlier event's batches are sent: nothing is left to wait for.
            else if (--user.InFlight == 0) _users.Remove(userId);
        }
    }
}
