using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using MusicRec.Streaming;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// One user's recommender (persistence id <c>user-{id}</c>). It only decides, persists, snapshots and passivates;
/// every state change goes through <see cref="UserTasteState.Apply"/>. The same actor runs as a sharding entity or
/// as a child of <see cref="UserRecommenderParent"/>: both understand <see cref="Passivate"/> from it.
/// </summary>
public sealed class UserRecommenderActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SimilarityIndex _index;
    private readonly RecommenderOptions _options;
    private readonly string _userId;
    private UserTasteState _state;

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
        Recover<ActivityRecorded>(e => _state = _state.Apply(e));

        Command<ApplyActivity>(HandleApply);
        Command<GetUserState>(_ => Sender.Tell(_state.ToView()));
        Command<StopEntity>(_ => Context.Stop(Self));
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
        Akka.Actor.Props.Create(() => new UserRecommenderActor(userId, index, options));

    protected override void PreStart()
    {
        base.PreStart();
        if (_options.IdleTimeout is { } idle && idle > TimeSpan.Zero) Context.SetReceiveTimeout(idle);
    }

    private void HandleApply(ApplyActivity cmd)
    {
        var activity = cmd.Activity;
        if (cmd.UserId != _userId || activity.UserId != _userId)
        {
            Sender.Tell(new Status.Failure(new ArgumentException(
                $"event {activity.EventId} is for user '{activity.UserId}' but reached the recommender of '{_userId}'")));
            return;
        }
        if (!Actions.All.Contains(activity.Action))
        {
            Sender.Tell(new Status.Failure(new ArgumentException($"event {activity.EventId}: unknown action '{activity.Action}'")));
            return;
        }
        if (_state.HasSeenEvent(activity.EventId))
        {
            Sender.Tell(new ActivityApplied(activity.EventId, _state.BatchesCompletedBy(activity.EventId), Duplicate: true));
            return;
        }

        var recorded = SuggestionPolicy.Decide(_state, activity, _index);
        var replyTo = Sender;
        // Persist (not PersistAsync): later commands, a duplicate or the stop message included, wait until this is stored.
        Persist(recorded, e =>
        {
            _state = _state.Apply(e);
            replyTo.Tell(new ActivityApplied(e.EventId, _state.BatchesCompletedBy(e.EventId), Duplicate: false));
            if (_options.SnapshotEvery > 0 && LastSequenceNr % _options.SnapshotEvery == 0) SaveSnapshot(_state.ToSnapshot());
        });
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Event {0} of {1} was rejected by the journal", sequenceNr, PersistenceId);
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
