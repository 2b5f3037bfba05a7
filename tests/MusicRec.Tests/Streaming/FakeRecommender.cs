using Akka.Actor;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;

namespace MusicRec.Tests.Streaming;

/// <summary>
/// Stands in for the per-user recommender: a batch every third new event per user, ids "{user}-{n}"; a repeated
/// event id gets the same answer again (Duplicate = true), as the persisted actor does after a redelivery.
/// The first <c>unansweredFirst</c> events get no reply at all (the stream's ask times out); events for track
/// <c>refusedTrack</c> are answered with a failure (as the actor answers a write its journal rejected).
/// </summary>
public sealed class FakeRecommender : ReceiveActor
{
    private sealed class UserState
    {
        public long Applied;
        public readonly Dictionary<string, IReadOnlyList<RecommendationBatch>> Seen = [];
    }

    private readonly Dictionary<string, UserState> _users = [];
    private int _unanswered;

    /// <param name="workPerEvent">Time each event takes (like a journal write), so a test can stop the stream mid-way.</param>
    public static Props Props(int unansweredFirst = 0, TimeSpan? workPerEvent = null, int? refusedTrack = null) =>
        Akka.Actor.Props.Create(() => new FakeRecommender(unansweredFirst, workPerEvent ?? TimeSpan.Zero, refusedTrack));

    public FakeRecommender(int unansweredFirst, TimeSpan workPerEvent, int? refusedTrack)
    {
        _unanswered = unansweredFirst;
        Receive<UserRecommenderProtocol.ApplyActivity>(apply =>
        {
            if (workPerEvent > TimeSpan.Zero) Thread.Sleep(workPerEvent);
            if (_unanswered > 0)
            {
                _unanswered--;
                return;
            }
            if (apply.Activity.TrackId == refusedTrack)
            {
                Sender.Tell(UserRecommenderProtocol.Answer(apply, new Status.Failure(new InvalidOperationException("the journal rejected the write"))));
                return;
            }
            if (!_users.TryGetValue(apply.UserId, out var user)) _users[apply.UserId] = user = new UserState();
            var id = apply.Activity.EventId;
            if (user.Seen.TryGetValue(id, out var before))
            {
                Sender.Tell(UserRecommenderProtocol.Answer(apply, new UserRecommenderProtocol.ActivityApplied(id, before, Duplicate: true)));
                return;
            }
            user.Applied++;
            IReadOnlyList<RecommendationBatch> batches = user.Applied % 3 == 0 ? [Batch(apply.UserId, user.Applied / 3)] : [];
            user.Seen[id] = batches;
            Sender.Tell(UserRecommenderProtocol.Answer(apply, new UserRecommenderProtocol.ActivityApplied(id, batches, Duplicate: false)));
        });
        Receive<UserRecommenderProtocol.GetUserState>(get =>
        {
            var user = _users.GetValueOrDefault(get.UserId);
            var applied = user?.Applied ?? 0;
            Sender.Tell(new UserRecommenderProtocol.UserStateView(get.UserId, applied, applied / 3, [], [], []));
        });
    }

    /// <summary>The user's batch number <paramref name="n"/> (id "{user}-{n}"), as this fake makes them.</summary>
    internal static RecommendationBatch Batch(string user, long n) =>
        new($"{user}-{n}", user, DateTimeOffset.UtcNow,
            [.. Enumerable.Range(1, 3).Select(i => new RecommendedTrack((int)(n * 3 + i), $"t{i}", "a", "Rock", 1.0 / i, "test"))]);
}
