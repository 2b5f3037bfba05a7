using MusicRec.Contracts;
using MusicRec.Streaming.Feedback;

namespace MusicRec.Tests.Streaming;

public class RecommendedFeedbackTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RecommendedTrack Track(int id, string source) => new(id, $"t{id}", "a", "Rock", 1, "why", source);

    [Fact]
    public void Answers_to_the_current_batch_count_for_the_source_that_suggested_each_track()
    {
        var feedback = new RecommendedFeedback();
        var batch = new RecommendationBatch("u-1", "u", T0, [Track(1, "colistening"), Track(2, "popularity"), Track(3, "audio")]);
        feedback.Observe(new ActivityEvent("e1", "u", 9, Actions.Listen, T0), [batch]);
        feedback.Observe(new ActivityEvent("e2", "u", 1, Actions.Like, T0), []);
        feedback.Observe(new ActivityEvent("e3", "u", 2, Actions.Skip, T0), []);
        feedback.Observe(new ActivityEvent("e4", "u", 8, Actions.Like, T0), []); // not recommended: not counted
        var counts = feedback.Snapshot();
        Assert.Equal(new FeedbackCounts(0, 1, 0), counts["colistening"]);
        Assert.Equal(new FeedbackCounts(0, 0, 1), counts["popularity"]);
        Assert.Equal(new FeedbackCounts(0, 0, 0), counts["audio"]);
        var all = FeedbackCounts.Sum(counts.Values);
        Assert.Equal((0.5, 0.5), (all.LikeRate, all.SkipRate));
    }

    [Fact]
    public void A_batch_observed_after_a_newer_one_does_not_replace_it()
    {
        var feedback = new RecommendedFeedback();
        var second = new RecommendationBatch("u-2", "u", T0, [Track(4, "colistening"), Track(5, "audio"), Track(6, "audio")]);
        var first = new RecommendationBatch("u-1", "u", T0, [Track(1, "audio"), Track(2, "audio"), Track(3, "audio")]);
        feedback.Observe(new ActivityEvent("e6", "u", 9, Actions.Listen, T0), [second]);
        feedback.Observe(new ActivityEvent("e3", "u", 8, Actions.Listen, T0), [first]);
        feedback.Observe(new ActivityEvent("e7", "u", 4, Actions.Like, T0), []);
        Assert.Equal(new FeedbackCounts(0, 1, 0), feedback.Snapshot()["colistening"]);
    }
}
