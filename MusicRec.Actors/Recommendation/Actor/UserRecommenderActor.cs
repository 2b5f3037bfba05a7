using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using MusicRec.Contracts;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// One user's recommender (persistence id <c>user-{id}</c>). It owns its <see cref="UserTasteState"/>: it decides each
/// event with <see cref="SuggestionPolicy.Decide"/>, applies it in place, persists, snapshots and passivates. The same
/// actor runs as a sharding entity or as a child of <see cref="UserRecommenderParent"/>: both understand
/// <see cref="Passivate"/> from it.
/// <para>
/// Group commit: while one write is in flight, newly arriving events wait in <see cref="_waiting"/>; when the write
/// is stored they are decided in order and persisted together as one <see cref="ActivitiesRecorded"/>. A quiet user
/// gets one event per write (lowest latency); a busy user's events share a write, so the journal keeps up under load
/// instead of queueing one round trip per event. Each event of a write must see the ones before it, so it is applied
/// as it is decided; it is answered, and the state shown, only once the write is stored. A write the journal refuses
/// restarts the actor, which recovers the stored state from the journal.
/// </para>
/// </summary>
public sealed class UserRecommenderActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SuggestionContext _context;
    private readonly RecommenderOptions _options;
    private readonly string _userId;
    private readonly List<(ApplyActivity Command, IActorRef ReplyTo)> _waiting = [];
    private UserTasteState _state;
    /// <summary>Who waits for the write in flight and what each is told once it is stored (empty: no write in flight).</summary>
    private List<(ApplyActivity Command, IActorRef ReplyTo, object Reply)> _inFlight = [];
    /// <summary>Views asked for while a write is in flight: answered once it is stored, so a view shows stored state only.</summary>
    private readonly List<IActorRef> _viewers = [];
    private bool _stopRequested;
    private long _eventsAtLastSnapshot;

    public UserRecommenderActor(string userId, SuggestionContext context, RecommenderOptions options)
    {
        _userId = userId;
        _context = context;
        _options = options;
        _state = new UserTasteState(userId, options.Taste);
        PersistenceId = PersistenceIdFor(userId);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is UserTasteSnapshot snapshot) _state = UserTasteState.FromSnapshot(snapshot, options.Taste);
            else _log.Warning("Ignoring snapshot of unexpected type {0} for {1}", offer.Snapshot?.GetType().Name ?? "null", PersistenceId);
        });
        Recover<ActivitiesRecorded>(e => _state.Apply(e, _context.Catalogue));
        Recover<RecoveryCompleted>(_ => _eventsAtLastSnapshot = _state.EventsApplied);

        Command<ApplyActivity>(cmd =>
        {
            _waiting.Add((cmd, Sender));
            if (_inFlight.Count == 0) WriteWaiting();
        });
        Command<GetUserState>(_ =>
        {
            if (_inFlight.Count > 0) _viewers.Add(Sender);
            else Sender.Tell(_state.ToView(_context.Catalogue));
        });
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

    /// <summary>
    /// <paramref name="context"/> is built once per node (<see cref="RecommenderOptions.SuggestionsFrom"/>) and shared by
    /// every user's actor: it holds catalogue-sized tables.
    /// </summary>
    public static Props Props(string userId, SuggestionContext context, RecommenderOptions options) =>
        Akka.Actor.Props.Create(typeof(UserRecommenderActor), userId, context, options);

    protected override void PreStart()
    {
        base.PreStart();
        if (_options.IdleTimeout is { } idle && idle > TimeSpan.Zero) Context.SetReceiveTimeout(idle);
    }

    /// <summary>
    /// Decides and applies the waiting events in arrival order (each one sees the ones before it), persists them as one
    /// event, and answers each once it is stored. Rejected and repeated events are answered too, in the same order.
    /// </summary>
    private void WriteWaiting()
    {
        var take = Math.Min(_waiting.Count, Math.Max(1, _options.MaxEventsPerWrite));
        var recorded = new List<ActivityRecorded>(take);
        var replies = new List<(ApplyActivity Command, IActorRef ReplyTo, object Reply)>(take);
        for (var i = 0; i < take; i++)
        {
            var (cmd, replyTo) = _waiting[i];
            var activity = cmd.Activity;
            if (Reject(cmd) is { } failure)
            {
                replies.Add((cmd, replyTo, failure));
                continue;
            }
            var duplicate = _state.HasSeenEvent(activity.EventId);
            if (!duplicate)
            {
                var e = SuggestionPolicy.Decide(_state, activity, _context);
                _state.Apply(e, _context.Catalogue);
                recorded.Add(e);
            }
            replies.Add((cmd, replyTo, new ActivityApplied(activity.EventId, _state.BatchesCompletedBy(activity.EventId, _context.Catalogue), duplicate) { CorrelationId = cmd.CorrelationId }));
        }
        _waiting.RemoveRange(0, take);
        _inFlight = replies;

        if (recorded.Count == 0)
        {
            Answer();
            return;
        }
        // PersistAsync: commands keep arriving (into _waiting) while this write is in flight; ordering is ours.
        PersistAsync(new ActivitiesRecorded(recorded), _ =>
        {
            if (_options.SnapshotEvery > 0 && _state.EventsApplied - _eventsAtLastSnapshot >= _options.SnapshotEvery)
            {
                _eventsAtLastSnapshot = _state.EventsApplied;
                SaveSnapshot(_state.ToSnapshot(_context.Catalogue));
            }
            Answer();
        });
    }

    /// <summary>Tells everyone the write held their answer, then goes on: the next waiting events, or the stop asked for meanwhile.</summary>
    private void Answer()
    {
        var held = _inFlight;
        _inFlight = [];
        foreach (var (command, replyTo, reply) in held) replyTo.Tell(UserRecommenderProtocol.Answer(command, reply));
        if (_viewers.Count > 0)
        {
            var view = _state.ToView(_context.Catalogue);
            foreach (var viewer in _viewers) viewer.Tell(view);
            _viewers.Clear();
        }
        if (_waiting.Count > 0) WriteWaiting();
        else if (_stopRequested) Context.Stop(Self);
    }

    private Status.Failure? Reject(ApplyActivity cmd)
    {
        var activity = cmd.Activity;
        if (cmd.UserId != _userId || activity.UserId != _userId)
            return new Status.Failure(new ArgumentException(
                $"event {activity.EventId} is for user '{activity.UserId}' but reached the recommender of '{_userId}'"));
        if (Actions.Canonical(activity.Action) is null)
            return new Status.Failure(new ArgumentException($"event {activity.EventId}: unknown action '{activity.Action}'"));
        return null;
    }

    /// <summary>
    /// The journal refused the write (it could not serialise it, say): nothing was stored, but the state already holds
    /// it. The write's events are answered with the failure (the pipeline sets them aside with the reason); repeats
    /// and refusals decided with it keep their answers; the events and views that arrived meanwhile go back to the
    /// mailbox; then the actor restarts and recovers the stored state from the journal.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Event {0} of {1} was rejected by the journal; restarting from the journal", sequenceNr, PersistenceId);
        var refusal = new Status.Failure(new InvalidOperationException($"the journal rejected the write of {PersistenceId}: {cause.Message}", cause));
        foreach (var (command, replyTo, reply) in _inFlight)
            replyTo.Tell(UserRecommenderProtocol.Answer(command, reply is Status.Failure or ActivityApplied { Duplicate: true } ? reply : refusal));
        _inFlight = [];
        foreach (var (command, replyTo) in _waiting) Self.Tell(command, replyTo);
        _waiting.Clear();
        foreach (var viewer in _viewers) Self.Tell(new GetUserState(_userId), viewer);
        _viewers.Clear();
        if (_stopRequested) Self.Tell(StopEntity.Instance);
        throw new JournalWriteRejectedException(PersistenceId, cause);
    }
}

/// <summary>Restarts a recommender whose state ran ahead of a write the journal refused (see <see cref="UserRecommenderActor"/>).</summary>
public sealed class JournalWriteRejectedException(string persistenceId, Exception cause)
    : Exception($"the journal rejected a write of {persistenceId}; recovering from the journal", cause);
