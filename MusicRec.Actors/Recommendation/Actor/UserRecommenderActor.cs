using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using MusicRec.Contracts;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// One user's recommender (persistence id <c>user-{id}</c>). It only decides, persists, snapshots and passivates;
/// every state change goes through <see cref="UserTasteState.Apply(ActivitiesRecorded)"/>. The same actor runs as a
/// sharding entity or as a child of <see cref="UserRecommenderParent"/>: both understand <see cref="Passivate"/> from it.
/// <para>
/// Group commit: while one write is in flight, newly arriving events wait in <see cref="_waiting"/>; when the write
/// is stored they are decided in order and persisted together as one <see cref="ActivitiesRecorded"/>. A quiet user
/// gets one event per write (lowest latency); a busy user's events share a write, so the journal keeps up under load
/// instead of queueing one round trip per event. Each event is answered only once the write holding it is stored.
/// </para>
/// </summary>
public sealed class UserRecommenderActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SimilarityIndex _index;
    private readonly RecommenderOptions _options;
    private readonly string _userId;
    private readonly List<(ApplyActivity Command, IActorRef ReplyTo)> _waiting = [];
    private UserTasteState _state;
    /// <summary>Who waits for the write in flight and what each is told once it is stored (empty: no write in flight).</summary>
    private List<(ApplyActivity Command, IActorRef ReplyTo, object Reply)> _inFlight = [];
    private bool _stopRequested;
    private long _eventsAtLastSnapshot;

    public UserRecommenderActor(string userId, SimilarityIndex index, RecommenderOptions options)
    {
        _userId = userId;
        _index = index;
        _options = options;
        _state = UserTasteState.Empty(userId, options.Taste);
        PersistenceId = PersistenceIdFor(userId);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is UserTasteSnapshot snapshot) _state = UserTasteState.FromSnapshot(snapshot, options.Taste);
            else _log.Warning("Ignoring snapshot of unexpected type {0} for {1}", offer.Snapshot?.GetType().Name ?? "null", PersistenceId);
        });
        Recover<ActivitiesRecorded>(e => _state = _state.Apply(e));
        // Journals written before group commit hold one event per activity.
        Recover<ActivityRecorded>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => _eventsAtLastSnapshot = _state.EventsApplied);

        Command<ApplyActivity>(cmd =>
        {
            _waiting.Add((cmd, Sender));
            if (_inFlight.Count == 0) WriteWaiting();
        });
        Command<GetUserState>(_ => Sender.Tell(_state.ToView()));
        Command<StopEntity>(_ =>
        {
            // Never stop with events accepted but not yet stored and answered.
            if (_inFlight.Count > 0 || _waiting.Count > 0) _stopRequested = true;
            else Context.Stop(Self);
        });
        // Ask the parent (shard or local parent) to stop us: it buffers this user's messages until we are gone.
        Command<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(StopEntity.Instance)));
        Command<SaveSnapshotSuccess>(s =>
        {
            // The snapshot holds everything up to its sequence number: older events and snapshots are dead weight.
            DeleteMessages(s.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => _log.Warning(f.Cause, "Snapshot of {0} at {1} failed; events are kept", PersistenceId, f.Metadata.SequenceNr));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning(f.Cause, "Deleting old events of {0} failed (they stay; recovery still works)", PersistenceId));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning(f.Cause, "Deleting old snapshots of {0} failed", PersistenceId));
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdFor(string userId) => $"user-{userId}";

    public static Props Props(string userId, SimilarityIndex index, RecommenderOptions options) =>
        Akka.Actor.Props.Create(typeof(UserRecommenderActor), userId, index, options);

    protected override void PreStart()
    {
        base.PreStart();
        if (_options.IdleTimeout is { } idle && idle > TimeSpan.Zero) Context.SetReceiveTimeout(idle);
    }

    /// <summary>
    /// Decides the waiting events in arrival order against the state they will meet (each one sees the ones before
    /// it), persists them as one event, and answers each once it is stored. Rejected and repeated events are
    /// answered too, in the same order.
    /// </summary>
    private void WriteWaiting()
    {
        var take = Math.Min(_waiting.Count, Math.Max(1, _options.MaxEventsPerWrite));
        var next = _state;
        var recorded = new List<ActivityRecorded>(take);
        var replies = new List<(ApplyActivity Command, IActorRef ReplyTo, object Reply)>(take);
        foreach (var (cmd, replyTo) in _waiting.Take(take))
        {
            var activity = cmd.Activity;
            if (Reject(cmd) is { } failure)
            {
                replies.Add((cmd, replyTo, failure));
                continue;
            }
            if (next.HasSeenEvent(activity.EventId))
            {
                replies.Add((cmd, replyTo, new ActivityApplied(activity.EventId, next.BatchesCompletedBy(activity.EventId), Duplicate: true) { CorrelationId = cmd.CorrelationId }));
                continue;
            }
            var e = SuggestionPolicy.Decide(next, activity, _index, _options.SuggestionBeam);
            next = next.Apply(e);
            recorded.Add(e);
            // The batch this event completes is known now; the state after it is kept for when the write is stored.
            replies.Add((cmd, replyTo, new ActivityApplied(e.EventId, next.BatchesCompletedBy(e.EventId), Duplicate: false) { CorrelationId = cmd.CorrelationId }));
        }
        _waiting.RemoveRange(0, take);
        _inFlight = replies;

        if (recorded.Count == 0)
        {
            Answer(Unchanged);
            return;
        }
        // PersistAsync: commands keep arriving (into _waiting) while this write is in flight; ordering is ours.
        // Nothing else changes _state until this write is stored, so the state decided above is exactly
        // _state.Apply(stored): keep it rather than applying the same events a second time.
        PersistAsync(new ActivitiesRecorded(recorded), _ =>
        {
            _state = next;
            if (_options.SnapshotEvery > 0 && _state.EventsApplied - _eventsAtLastSnapshot >= _options.SnapshotEvery)
            {
                _eventsAtLastSnapshot = _state.EventsApplied;
                SaveSnapshot(_state.ToSnapshot());
            }
            Answer(Unchanged);
        });
    }

    private static readonly Func<object, object> Unchanged = reply => reply;

    /// <summary>
    /// Tells everyone the write held what <paramref name="answer"/> makes of the reply decided for them, then goes on:
    /// the next waiting events, or the stop that was asked for meanwhile.
    /// </summary>
    private void Answer(Func<object, object> answer)
    {
        var held = _inFlight;
        _inFlight = [];
        foreach (var (command, replyTo, reply) in held) replyTo.Tell(UserRecommenderProtocol.Answer(command, answer(reply)));
        if (_waiting.Count > 0) WriteWaiting();
        else if (_stopRequested) Context.Stop(Self);
    }

    private Status.Failure? Reject(ApplyActivity cmd)
    {
        var activity = cmd.Activity;
        if (cmd.UserId != _userId || activity.UserId != _userId)
            return new Status.Failure(new ArgumentException(
                $"event {activity.EventId} is for user '{activity.UserId}' but reached the recommender of '{_userId}'"));
        if (!Actions.All.Contains(activity.Action))
            return new Status.Failure(new ArgumentException($"event {activity.EventId}: unknown action '{activity.Action}'"));
        return null;
    }

    /// <summary>
    /// The journal refused the write (it could not serialise it, say): nothing was stored and the state stays as it
    /// was, so every event of the write is answered with the failure (the pipeline sets it aside with its reason)
    /// and the events that arrived meanwhile go on.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Event {0} of {1} was rejected by the journal", sequenceNr, PersistenceId);
        var refusal = new Status.Failure(new InvalidOperationException($"the journal rejected the write of {PersistenceId}: {cause.Message}", cause));
        // Repeats and refusals decided with the write keep their answers; the events it would have stored fail.
        Answer(reply => reply is Status.Failure or ActivityApplied { Duplicate: true } ? reply : refusal);
    }
}
