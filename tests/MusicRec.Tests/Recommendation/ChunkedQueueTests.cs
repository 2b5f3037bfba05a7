using MusicRec.Recommendation;

namespace MusicRec.Tests.Recommendation;

public class ChunkedQueueTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_enqueues_and_dequeues_on_any_version_agree_with_a_list_and_leave_every_version_unchanged(int seed)
    {
        var random = new Random(seed);
        // Each step continues from the newest version most of the time, and from an older one otherwise (as a
        // rejected write's state is continued from): both the in-place and the copying path are exercised.
        var versions = new List<(ChunkedQueue<int> Queue, List<int> Items)> { (ChunkedQueue<int>.Empty, []) };
        for (var step = 0; step < 5_000; step++)
        {
            var from = random.Next(10) == 0 ? random.Next(versions.Count) : versions.Count - 1;
            var (queue, items) = versions[from];
            var expected = new List<int>(items);
            ChunkedQueue<int> next;
            if (expected.Count > 0 && random.Next(5) < 2)
            {
                next = queue.Dequeue(out var oldest);
                Assert.Equal(expected[0], oldest);
                expected.RemoveAt(0);
            }
            else
            {
                next = queue.Enqueue(step);
                expected.Add(step);
            }
            Assert.Equal(expected.Count, next.Count);
            versions.Add((next, expected));
        }
        foreach (var (queue, items) in versions)
        {
            Assert.Equal(items, queue.ToArray());
            Assert.Equal(items.Count, queue.Count);
        }
    }

    [Fact]
    public void A_long_run_crosses_chunks_both_ways_and_dequeuing_the_last_item_gives_an_empty_queue()
    {
        var queue = ChunkedQueue<string>.CreateRange(Enumerable.Range(0, 3 * ChunkedQueue<string>.ChunkSize + 5).Select(i => $"e{i}"));
        for (var i = 0; i < 3 * ChunkedQueue<string>.ChunkSize + 4; i++)
        {
            queue = queue.Dequeue(out var item).Enqueue($"n{i}");
            Assert.Equal($"e{i}", item);
        }
        Assert.Equal(3 * ChunkedQueue<string>.ChunkSize + 5, queue.Count);
        Assert.Equal("e196", queue.First());
        Assert.Equal("n195", queue.Last());
        Assert.Equal(queue.ToArray(), Enumerable.Range(0, queue.Count).Select(i => queue[i]));
        Assert.Throws<ArgumentOutOfRangeException>(() => queue[queue.Count]);
        var single = ChunkedQueue<string>.Empty.Enqueue("x").Dequeue(out var x);
        Assert.Equal("x", x);
        Assert.True(single.IsEmpty);
        Assert.Throws<InvalidOperationException>(() => single.Dequeue(out _));
    }
}
