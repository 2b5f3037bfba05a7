using Akka.Actor;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;

namespace MusicRec.Benchmarks.Streaming;

/// <summary>The cheapest recommender that keeps the protocol: a batch every third event per user, ids "{user}-{n}".</summary>
public sealed class TrivialRecommender : ReceiveActor
{
    private static readonly IReadOnlyList<RecommendationBatch> None = [];
    private readonly Dictionary<string, long> _counts = [];

    public TrivialRecommender()
    {
        Receive<UserRecommenderProtocol.ApplyActivity>(apply =>
        {
            var n = _counts.GetValueOrDefault(apply.UserId) + 1;
            _counts[apply.UserId] = n;
            var batches = n % 3 == 0
                ? [new RecommendationBatch($"{apply.UserId}-{n / 3}", apply.UserId, DateTimeOffset.UtcNow,
                    [new RecommendedTrack(1, "a", "b", "Rock", 0.9, "x"), new RecommendedTrack(2, "a", "b", "Rock", 0.8, "x"), new RecommendedTrack(3, "a", "b", "Rock", 0.7, "x")])]
                : None;
            Sender.Tell(UserRecommenderProtocol.Answer(apply, new UserRecommenderProtocol.ActivityApplied(apply.Activity.EventId, batches, false)));
        });
    }
}
