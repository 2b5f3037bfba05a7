using Akka.Actor;
using Akka.TestKit;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming;
using static MusicRec.Recommendation.UserRecommenderProtocol;
using static MusicRec.Tests.Streaming.StreamingTestData;

namespace MusicRec.Tests.Streaming;

public class RecommenderAskerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static ActivityEvent Activity(string eventId) => Event("u1", 1, id: eventId);

    private (TestProbe Recommender, RecommenderAsker Asker) Rig(TimeSpan? timeout = null)
    {
        var probe = CreateTestProbe();
        return (probe, new RecommenderAsker(Sys, probe.Ref, timeout ?? Wait));
    }

    [Fact]
    public async Task Answers_reach_their_own_events_whatever_order_they_come_in()
    {
        var (recommender, asker) = Rig();
        var first = asker.Ask(Activity("e1"));
        var second = asker.Ask(Activity("e2"));
        var a = recommender.ExpectMsg<ApplyActivity>(Wait);
        var replyTo = recommender.LastSender;
        var b = recommender.ExpectMsg<ApplyActivity>(Wait);
        Assert.NotEqual(a.CorrelationId, b.CorrelationId);

        replyTo.Tell(Answer(b, new ActivityApplied("e2", [], Duplicate: true)));
        replyTo.Tell(Answer(a, new ActivityApplied("e1", [], Duplicate: false)));
        Assert.Equal(("e1", false), ((await first).EventId, (await first).Duplicate));
        Assert.Equal(("e2", true), ((await second).EventId, (await second).Duplicate));
        Assert.Equal(0, asker.WaitingCount);
    }

    [Fact]
    public async Task An_answer_without_a_correlation_id_is_ignored_and_the_ask_times_out()
    {
        var (recommender, asker) = Rig(TimeSpan.FromMilliseconds(300));
        var asked = asker.Ask(Activity("e1"));
        recommender.ExpectMsg<ApplyActivity>(Wait);
        recommender.LastSender.Tell(new ActivityApplied("e1", [], Duplicate: false));
        await Assert.ThrowsAsync<AskTimeoutException>(() => asked.WaitAsync(Wait));
    }

    [Fact]
    public async Task A_refusal_fails_its_event_with_the_reason()
    {
        var (recommender, asker) = Rig();
        var asked = asker.Ask(Activity("e1"));
        var command = recommender.ExpectMsg<ApplyActivity>(Wait);
        recommender.LastSender.Tell(Answer(command, new Status.Failure(new InvalidOperationException("the journal rejected the write"))));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => asked);
        Assert.Equal("the journal rejected the write", refused.Message);
    }

    [Fact]
    public async Task An_unanswered_event_times_out_and_a_late_or_unmatched_answer_is_ignored()
    {
        var (recommender, asker) = Rig(TimeSpan.FromMilliseconds(300));
        var asked = asker.Ask(Activity("e1"));
        var command = recommender.ExpectMsg<ApplyActivity>(Wait);
        var timedOut = await Assert.ThrowsAsync<AskTimeoutException>(() => asked);
        Assert.Contains("e1", timedOut.Message);

        // After the timeout, the answer and an uncorrelated one change nothing; the next event still gets its own.
        recommender.LastSender.Tell(Answer(command, new ActivityApplied("e1", [], Duplicate: false)));
        recommender.LastSender.Tell(new ActivityApplied("e1", [], Duplicate: false));
        var next = asker.Ask(Activity("e2"));
        var nextCommand = recommender.ExpectMsg<ApplyActivity>(Wait);
        recommender.LastSender.Tell(Answer(nextCommand, new ActivityApplied("e2", [], Duplicate: false)));
        Assert.Equal("e2", (await next).EventId);
    }

    [Fact]
    public async Task Disposing_cancels_the_events_still_waiting_and_refuses_new_ones()
    {
        var (recommender, asker) = Rig();
        var asked = asker.Ask(Activity("e1"));
        recommender.ExpectMsg<ApplyActivity>(Wait);
        asker.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asked.WaitAsync(Wait));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => asker.Ask(Activity("e2")));
        recommender.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
