using MusicRec.Contracts;
using MusicRec.Streaming.Feedback;

namespace MusicRec.Tests.Streaming;

public class RecommendedFeedbackTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RecommendedTrack Track(int id, string source) => new(id, $"t{id}", "a", "Rock", 1, "why", source);

    private static ActivityEvent Event(string user, int track, string action) => new(Guid.NewGuid().ToString(), user, track, action, T0);

    /// <summary>A batch "{user}-{seq}" of audio-sourced tracks.</summary>
    private static RecommendationBatch Batch(string user, int seq, params int[] tracks) =>
        new($"{user}-{seq}", user, T0, tracks.Select(t => Track(t, RecommendedFeedback.AudioSource)).ToList());

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

    [Fact]
    public void Counts_only_actions_on_tracks_of_the_users_current_batch()
    {
        var feedback = new RecommendedFeedback();
        feedback.Observe(Event("u1", 9, Actions.Listen), [Batch("u1", 1, 1, 2, 3)]);   // 9 was not recommended
        feedback.Observe(Event("u1", 2, Actions.Like), [Batch("u1", 2, 4, 5, 6)]);     // 2 was: a like
        feedback.Observe(Event("u1", 3, Actions.Skip), []);                            // 3 is no longer current
        feedback.Observe(Event("u1", 5, Actions.Skip), []);                            // 5 is: a skip
        feedback.Observe(Event("u2", 5, Actions.Like), []);                            // another user's batch
        feedback.Observe(Event("u1", 6, Actions.Listen), []);

        var audio = feedback.Snapshot()[RecommendedFeedback.AudioSource];
        Assert.Equal(new FeedbackCounts(1, 1, 1), audio);
        Assert.Equal(3, audio.Total);
    }

    [Fact]
    public void Remembers_a_bounded_number_of_users()
    {
        var feedback = new RecommendedFeedback(maxUsers: 2);
        feedback.Observe(Event("a", 0, Actions.Listen), [Batch("a", 1, 1, 2, 3)]);
        feedback.Observe(Event("b", 0, Actions.Listen), [Batch("b", 1, 1, 2, 3)]);
        feedback.Observe(Event("c", 0, Actions.Listen), [Batch("c", 1, 1, 2, 3)]); // "a" is dropped
        feedback.Observe(Event("a", 1, Actions.Like), []);
        feedback.Observe(Event("b", 1, Actions.Like), []);
        Assert.Equal(1, feedback.Snapshot()[RecommendedFeedback.AudioSource].Likes);
    }
}
