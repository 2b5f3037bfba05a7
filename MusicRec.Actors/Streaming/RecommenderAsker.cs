using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Streaming;

/// <summary>
/// Asks the recommenders about many events at once through one reply actor, as Akka.Streams.Kafka's stages talk to
/// their consumer actor: each <see cref="ApplyActivity"/> carries a correlation id and its answer comes back to that
/// actor, which completes the waiting task. An Ask per event instead creates and registers a temporary actor and a
/// timer for every event, all of it alive while the event is in flight (docs/benchmarks.md). Asks unanswered after the timeout
/// fail with <see cref="AskTimeoutException"/>, as an Ask would; <see cref="Dispose"/> cancels those still waiting.
/// </summary>
internal sealed class RecommenderAsker : IDisposable
{
    private readonly IActorRef _recommender;
    private readonly TimeSpan _timeout;
    private readonly IActorRef _replies;
    private readonly ConcurrentDictionary<long, Waiting> _waiting = new();
    private long _lastId;
    private volatile bool _disposed;

    public RecommenderAsker(IActorRefFactory actors, IActorRef recommender, TimeSpan timeout)
    {
        _recommender = recommender;
        _timeout = timeout;
        _replies = actors.ActorOf(Props.Create(() => new ReplyReceiver(this)));
    }

    /// <summary>Sends the event to its user's recommender with a fresh correlation id; the task completes with the answer.</summary>
    public Task<ActivityApplied> Ask(ActivityEvent activity)
    {
        // Nothing would take the answer (or time the ask out) any more.
        if (_disposed) return Task.FromCanceled<ActivityApplied>(new CancellationToken(canceled: true));
        var id = Interlocked.Increment(ref _lastId);
        var waiting = new Waiting(activity.EventId, Environment.TickCount64 + (long)_timeout.TotalMilliseconds);
        _waiting[id] = waiting;   // before the send: the answer may come back before Tell returns
        try
        {
            _recommender.Tell(new ApplyActivity(activity.UserId, activity) { CorrelationId = id }, _replies);
        }
        catch (Exception e)
        {
            _waiting.TryRemove(id, out _);
            waiting.TrySetException(e);
        }
        return waiting.Task;
    }

    /// <summary>Asks waiting for an answer (diagnostics and tests).</summary>
    public int WaitingCount => _waiting.Count;

    public void Dispose()
    {
        _disposed = true;
        _replies.Tell(PoisonPill.Instance);
    }

    private void Answered(ActivityApplied applied)
    {
        if (_waiting.TryRemove(applied.CorrelationId, out var waiting)) waiting.TrySetResult(applied);
    }

    private void Refused(ActivityRefused refused)
    {
        if (_waiting.TryRemove(refused.CorrelationId, out var waiting))
            waiting.TrySetException(new InvalidOperationException(refused.Reason));
    }

    private void ExpireDue()
    {
        var now = Environment.TickCount64;
        foreach (var (id, waiting) in _waiting)
            if (waiting.Deadline <= now && _waiting.TryRemove(id, out _))
                waiting.TrySetException(new AskTimeoutException(
                    $"the recommender did not answer event {waiting.EventId} within {_timeout.TotalSeconds:0.#} s"));
    }

    private void CancelAll()
    {
        foreach (var id in _waiting.Keys)
            if (_waiting.TryRemove(id, out var waiting)) waiting.TrySetCanceled();
    }

    /// <summary>An ask waiting for its answer (the task source itself, so a waiting ask is one object).</summary>
    private sealed class Waiting(string eventId, long deadline)
        : TaskCompletionSource<ActivityApplied>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string EventId { get; } = eventId;
        public long Deadline { get; } = deadline;
    }

    /// <summary>Takes the answers and, on a timer, fails the asks past their deadline.</summary>
    private sealed class ReplyReceiver : ReceiveActor, IWithTimers
    {
        private sealed record Sweep
        {
            public static readonly Sweep Instance = new();
        }

        private readonly RecommenderAsker _asker;

        public ReplyReceiver(RecommenderAsker asker)
        {
            _asker = asker;
            var log = Context.GetLogger();
            Receive<ActivityApplied>(asker.Answered);
            Receive<ActivityRefused>(asker.Refused);
            Receive<Sweep>(_ => asker.ExpireDue());
            // A refusal without a correlation id cannot be matched to its event: the ask times out and the event
            // comes again after the stream restarts.
            ReceiveAny(m => log.Warning("Recommender answer {0} matches no waiting event; ignored", m));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart()
        {
            // A quarter of the timeout between sweeps, at most a second: an ask fails at most that late.
            var every = TimeSpan.FromMilliseconds(Math.Clamp(_asker._timeout.TotalMilliseconds / 4, 10, 1000));
            Timers.StartPeriodicTimer(Sweep.Instance, Sweep.Instance, every);
        }

        protected override void PostStop() => _asker.CancelAll();
    }
}
