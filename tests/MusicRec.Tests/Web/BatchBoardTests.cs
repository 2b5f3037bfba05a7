using Microsoft.Extensions.Logging.Abstractions;
using MusicRec.Contracts;
using MusicRec.Streaming;
using MusicRec.Web;

namespace MusicRec.Tests.Web;

public class BatchBoardTests
{
    [Fact]
    public void Keeps_the_last_batches_per_user_newest_first_and_drops_repeats()
    {
        var board = new BatchBoard(new WebOptions { BatchesPerUser = 2 });
        Assert.True(board.Add(WebSamples.Batch("u1", 1)));
        Assert.True(board.Add(WebSamples.Batch("u1", 2)));
        Assert.False(board.Add(WebSamples.Batch("u1", 2)));
        Assert.True(board.Add(WebSamples.Batch("u1", 3)));
        Assert.False(board.Add(WebSamples.Batch("u1", 1))); // an old repeat stays dropped after it left the kept batches
        Assert.Equal(["u1-3", "u1-2"], board.Latest("u1").Select(b => b.BatchId));
        Assert.Equal(2, board.DuplicateCount);
        Assert.Empty(board.Latest("u2"));
    }

    [Fact]
    public void Forgets_the_least_recently_updated_user_beyond_the_cap()
    {
        var board = new BatchBoard(new WebOptions { MaxUsers = 2 });
        board.Add(WebSamples.Batch("a", 1));
        board.Add(WebSamples.Batch("b", 1));
        board.Add(WebSamples.Batch("a", 2)); // a is now the most recent
        board.Add(WebSamples.Batch("c", 1)); // b goes
        Assert.Equal(2, board.UserCount);
        Assert.Empty(board.Latest("b"));
        Assert.Equal(["c", "a"], board.RecentUsers(10));
    }

    [Fact]
    public async Task Subscribers_get_the_current_batch_and_then_only_their_users_new_batches()
    {
        var board = new BatchBoard(new WebOptions());
        board.Add(WebSamples.Batch("u1", 1));
        using var sub = board.Subscribe("u1")!;
        Assert.Equal("u1-1", sub.Current?.BatchId);
        board.Add(WebSamples.Batch("u2", 1));
        board.Add(WebSamples.Batch("u1", 1));
        board.Add(WebSamples.Batch("u1", 2));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal("u1-2", (await sub.Batches.ReadAsync(cts.Token)).BatchId);
        Assert.False(sub.Batches.TryRead(out _));
        Assert.Equal(1, board.SubscriberCount);
        sub.Dispose();
        Assert.Equal(0, board.SubscriberCount);
        Assert.True(sub.Batches.Completion.IsCompleted);
    }

    [Fact]
    public void A_slow_subscriber_keeps_only_the_newest_batches_and_the_stream_limit_holds()
    {
        var board = new BatchBoard(new WebOptions { StreamBuffer = 2, MaxStreams = 1 });
        using var sub = board.Subscribe("u1")!;
        Assert.Null(sub.Current);
        Assert.Null(board.Subscribe("u9"));
        for (var i = 1; i <= 5; i++) board.Add(WebSamples.Batch("u1", i));
        var received = new List<string>();
        while (sub.Batches.TryRead(out var b)) received.Add(b.BatchId);
        Assert.Equal(["u1-4", "u1-5"], received);
    }

    [Fact]
    public async Task The_feed_reader_skips_malformed_batches_and_survives_a_failing_feed()
    {
        var board = new BatchBoard(new WebOptions());
        var feed = new ChannelFeed(failFirstReads: 1);
        var reader = new RecommendationFeedReader(feed, board, NullLogger<RecommendationFeedReader>.Instance);
        await reader.StartAsync(CancellationToken.None);
        feed.Publish(WebSamples.Batch("bad id", 1));
        feed.Publish(WebSamples.Batch("u1", 1) with { BatchId = "u1-1\ndata: injected" });
        feed.Publish(WebSamples.Batch("u1", 1) with { Tracks = [] });
        feed.Publish(WebSamples.Batch("u1", 2));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (board.AcceptedCount == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await reader.StopAsync(CancellationToken.None);
        Assert.Equal(["u1-2"], board.Latest("u1").Select(b => b.BatchId));
        Assert.Equal(3, reader.SkippedCount);
        Assert.True(feed.Reads >= 2);
    }

    [Theory]
    [InlineData("u1", true)]
    [InlineData("A-b_9", true)]
    [InlineData("", false)]
    [InlineData("u1\n", false)]
    [InlineData("ü", false)]
    [InlineData("a b", false)]
    public void User_ids_follow_the_spec_pattern(string id, bool valid)
    {
        Assert.Equal(valid, UserIds.IsValid(id));
        Assert.True(UserIds.IsValid(new string('x', 64)));
        Assert.False(UserIds.IsValid(new string('x', 65)));
    }

    [Fact]
    public void Sse_frames_are_single_line_json_even_when_titles_have_newlines()
    {
        var batch = WebSamples.Batch("u1", 1) with
        {
            Tracks = [new RecommendedTrack(1, "two\nlines\r\n<b>", "a", "g", 0.5, "x"), .. WebSamples.Batch("u1", 1).Tracks.Skip(1)],
        };
        var frame = System.Text.Encoding.UTF8.GetString(ServerSentEvents.Frame(batch));
        var lines = frame.Split('\n');
        Assert.Equal(["id: u1-1", "event: batch"], lines[..2]);
        Assert.StartsWith("data: {", lines[2]);
        Assert.Equal(["", ""], lines[3..]);
    }
}
