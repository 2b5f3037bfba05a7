using MusicRec.Streaming.Transport;

namespace MusicRec.Tests.Streaming;

public class InProcessBusTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private static List<ConsumedRecord> Drain(IConsumerClient c, int max = 1000, TimeSpan? poll = null)
    {
        var list = new List<ConsumedRecord>();
        while (list.Count < max && c.Consume(poll ?? Poll) is { } r) list.Add(r);
        return list;
    }

    [Fact]
    public void Same_key_same_partition_and_order_kept()
    {
        var bus = new InProcessBus(4);
        var parts = Enumerable.Range(0, 20).Select(i => bus.Produce("t", "user7", $"m{i}").Partition).Distinct().ToList();
        Assert.Single(parts);
        Assert.Equal(InProcessBus.PartitionFor("user7", 4), parts[0].Partition);
        var log = bus.ReadAll("t").Where(r => r.Partition == parts[0]).Select(StreamingTestData.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), log);
        // spread over partitions for many keys
        Assert.Equal(4, Enumerable.Range(0, 100).Select(i => InProcessBus.PartitionFor($"u{i}", 4)).Distinct().Count());
    }

    [Fact]
    public void Records_come_back_byte_for_byte_across_segments_including_no_key_and_one_larger_than_a_segment()
    {
        var bus = new InProcessBus(1, retainPerPartition: 1000);
        var random = new Random(3);
        var sent = new List<(string? Key, byte[] Value)>();
        for (var i = 0; i < 2500; i++)
        {
            var value = new byte[i == 1700 ? 1_500_000 : random.Next(0, 300)];
            random.NextBytes(value);
            var key = i % 7 == 0 ? null : $"k{i}é";
            sent.Add((key, value));
            bus.Produce("t", key, value);
        }
        var kept = bus.ReadAll("t");
        Assert.InRange(kept.Count, 1000, 1100);
        Assert.Equal(2500 - kept.Count, kept[0].Offset);
        for (var i = 0; i < kept.Count; i++)
        {
            var (key, value) = sent[(int)kept[i].Offset];
            Assert.Equal(key, kept[i].Key);
            Assert.Equal(value, kept[i].Value);
        }
    }

    [Fact]
    public void Each_partition_keeps_its_newest_records_and_a_member_behind_them_continues_from_the_oldest_kept()
    {
        var bus = new InProcessBus(1, retainPerPartition: 10);
        var transport = new InProcessTransport(bus);
        var group = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        group.Subscribe(_ => { }, _ => { });
        bus.Produce("t", "k", "m0");
        Assert.Equal("m0", StreamingTestData.Text(group.Consume(Poll)!));
        group.Commit([new PartitionOffset(new PartitionId("t", 0), 1)]);
        group.Close();

        var reports = Enumerable.Range(1, 24).Select(i => bus.Produce("t", "k", $"m{i}")).ToList();
        // Offsets keep counting; only the oldest records went.
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), reports.Select(r => r.Offset));
        var partition = new PartitionId("t", 0);
        Assert.Equal(25, bus.EndOffset(partition));
        var kept = bus.ReadAll("t");
        Assert.InRange(kept.Count, 9, 10);
        Assert.Equal(bus.StartOffset(partition), kept[0].Offset);
        Assert.Equal(Enumerable.Range((int)kept[0].Offset, kept.Count).Select(o => $"m{o}"), kept.Select(StreamingTestData.Text));
        Assert.Equal(kept.Count, bus.Lag("g", "t"));

        // The group committed offset 1, long gone: its next member starts at the oldest kept record.
        var next = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        next.Subscribe(_ => { }, _ => { });
        var read = Drain(next);
        Assert.Equal(kept.Select(r => r.Offset), read.Select(r => r.Offset));
    }

    [Fact]
    public void Uncommitted_messages_come_again_to_the_next_member_of_the_group()
    {
        var bus = new InProcessBus(2);
        var transport = new InProcessTransport(bus);
        for (var i = 0; i < 10; i++) bus.Produce("t", $"k{i}", $"m{i}");

        var first = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        first.Subscribe(_ => { }, _ => { });
        var read = Drain(first);
        Assert.Equal(10, read.Count);
        // commit only the first record of each partition (next offset = offset + 1)
        var committed = read.GroupBy(r => r.Partition).Select(g => g.MinBy(r => r.Offset)!).ToList();
        first.Commit([.. committed.Select(r => new PartitionOffset(r.Partition, r.Offset + 1))]);
        first.Close();

        var second = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        second.Subscribe(_ => { }, _ => { });
        var again = Drain(second);
        Assert.Equal(10 - committed.Count, again.Count);
        Assert.DoesNotContain(again, r => committed.Any(c => c.Partition == r.Partition && c.Offset == r.Offset));

        // another group reads everything on its own
        var other = transport.CreateConsumer(new ConsumerOptions("h", ["t"]));
        other.Subscribe(_ => { }, _ => { });
        Assert.Equal(10, Drain(other).Count);

        // a group starting at the end sees only what comes next
        var latest = transport.CreateConsumer(new ConsumerOptions("late", ["t"], StartFromEarliest: false));
        latest.Subscribe(_ => { }, _ => { });
        Assert.Empty(Drain(latest));
        bus.Produce("t", "k1", "new");
        Assert.Equal("new", StreamingTestData.Text(Assert.Single(Drain(latest))));
    }

    [Fact]
    public async Task Members_share_partitions_and_a_revoke_commits_before_the_next_owner_starts()
    {
        var bus = new InProcessBus(4);
        var transport = new InProcessTransport(bus);
        for (var i = 0; i < 40; i++) bus.Produce("t", $"k{i}", $"m{i}");

        var a = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        IReadOnlyList<PartitionId> aAssigned = [];
        List<ConsumedRecord> aRead = [];
        a.Subscribe(p => aAssigned = p, revoked =>
        {
            // commit everything read from the revoked partitions, as the consumer driver does
            var offsets = aRead.Where(r => revoked.Contains(r.Partition)).GroupBy(r => r.Partition)
                .Select(g => new PartitionOffset(g.Key, g.Max(r => r.Offset) + 1)).ToList();
            a.Commit(offsets);
        });
        aRead.AddRange(Drain(a, 5));
        Assert.Equal(4, aAssigned.Count);

        var b = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        IReadOnlyList<PartitionId> bAssigned = [];
        b.Subscribe(p => bAssigned = p, _ => { });
        // b waits until a has revoked; a revokes on its next poll
        var bThread = Task.Run(() => Drain(b, poll: TimeSpan.FromMilliseconds(500)));
        var aRest = Drain(a, poll: TimeSpan.FromMilliseconds(500));
        var bRead = await bThread;
        Assert.Equal(2, aAssigned.Count);
        Assert.Equal(2, bAssigned.Count);
        Assert.Empty(aAssigned.Intersect(bAssigned));
        // nothing lost, nothing read twice: a's first five were committed at the revoke
        var all = aRead.Concat(aRest).Concat(bRead).Select(r => (r.Partition, r.Offset)).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
    }

    [Fact]
    public void Paused_partitions_are_not_fetched()
    {
        var bus = new InProcessBus(1);
        var transport = new InProcessTransport(bus);
        var c = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        c.Subscribe(_ => { }, _ => { });
        Assert.Null(c.Consume(TimeSpan.Zero)); // the first poll takes the assignment
        Assert.Single(c.Assignment);
        c.Pause(c.Assignment);
        bus.Produce("t", "k", "m");
        Assert.Null(c.Consume(Poll));
        c.Resume(c.Assignment);
        Assert.NotNull(c.Consume(Poll));
    }
}
