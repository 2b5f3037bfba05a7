using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Akka.Streams.TestKit;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using MusicRec.Streaming.Stages;
using MusicRec.Streaming.Transport;

namespace MusicRec.Tests.Streaming;

public class StagesTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Source_emits_on_demand_and_the_committer_commits_the_highest_offset_plus_one()
    {
        var bus = new InProcessBus(1);
        var transport = new InProcessTransport(bus);
        for (var i = 0; i < 20; i++) bus.Produce("t", "k", $"m{i}");
        var settings = new ConsumerSettings("g", ["t"]) { BufferSize = 4 };
        var (control, probe) = BusConsumer.CommittableSource(transport, settings)
            .ToMaterialized(this.SinkProbe<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());

        probe.Request(5);
        var got = Enumerable.Range(0, 5).Select(_ => probe.ExpectNext(Wait)).ToList();
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (long)i), got.Select(m => m.Offset));
        Assert.Equal("m4", got[^1].ValueText);

        // out of order on purpose: the highest wins
        await Committer.CommitAsync([got[3].CommittableOffset, got[4].CommittableOffset, got[0].CommittableOffset]);
        Assert.Equal(5, bus.CommittedOffset("g", new PartitionId("t", 0)));

        await control.StopAsync();
        probe.ExpectComplete();
        await control.ShutdownAsync();
        Assert.True(control.IsShutdown.IsCompleted);
    }

    [Fact]
    public async Task Offsets_of_a_partition_revoked_meanwhile_are_dropped_not_committed()
    {
        var bus = new InProcessBus(2);
        var transport = new InProcessTransport(bus);
        for (var i = 0; i < 10; i++) bus.Produce("t", $"k{i}", $"m{i}");
        var (first, probe) = BusConsumer.CommittableSource(transport, new ConsumerSettings("g", ["t"]))
            .ToMaterialized(this.SinkProbe<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        probe.Request(10);
        var read = Enumerable.Range(0, 10).Select(_ => probe.ExpectNext(Wait)).ToList();

        // a second member joins: the first gives up one partition
        var second = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        IReadOnlyList<PartitionId> taken = [];
        second.Subscribe(p => taken = p, _ => { });
        var deadline = DateTime.UtcNow + Wait;
        while (taken.Count == 0 && DateTime.UtcNow < deadline) second.Consume(TimeSpan.FromMilliseconds(50));
        var moved = Assert.Single(taken);

        await Committer.CommitAsync(read.Select(m => m.CommittableOffset));
        // Eager rebalance: every partition was revoked, so every offset read before it is stale and dropped;
        // the partitions' new owners (the kept one is ours again) read those messages again.
        var kept = new PartitionId("t", 1 - moved.Partition);
        Assert.Null(bus.CommittedOffset("g", moved));
        Assert.Null(bus.CommittedOffset("g", kept));
        var keptCount = read.Count(m => m.Partition == kept.Partition);
        probe.Request(keptCount);
        var again = Enumerable.Range(0, keptCount).Select(_ => probe.ExpectNext(Wait)).ToList();
        Assert.All(again, m => Assert.Equal(kept.Partition, m.Partition));
        Assert.Equal(read.Where(m => m.Partition == kept.Partition).Select(m => m.Offset), again.Select(m => m.Offset));
        await Committer.CommitAsync(again.Select(m => m.CommittableOffset));
        Assert.Equal(again.Max(m => m.Offset) + 1, bus.CommittedOffset("g", kept));
        second.Close();
        await first.AbortAsync();
    }

    /// <summary>The in-process transport with commits that take a while, as a broker round trip does.</summary>
    private sealed class SlowCommitTransport(InProcessBus bus, TimeSpan delay) : IMessageTransport
    {
        private readonly InProcessTransport _inner = new(bus);
        public string Describe() => "slow commits";
        public IConsumerClient CreateConsumer(ConsumerOptions options) => new Client(_inner.CreateConsumer(options), delay);
        public IProducerClient CreateProducer() => _inner.CreateProducer();
        public void Dispose() { }

        private sealed class Client(IConsumerClient inner, TimeSpan delay) : IConsumerClient
        {
            public void Subscribe(Action<IReadOnlyList<PartitionId>> onAssigned, Action<IReadOnlyList<PartitionId>> onRevoked) => inner.Subscribe(onAssigned, onRevoked);
            public ConsumedRecord? Consume(TimeSpan timeout) => inner.Consume(timeout);
            public IReadOnlyList<PartitionId> Assignment => inner.Assignment;
            public void Pause(IEnumerable<PartitionId> partitions) => inner.Pause(partitions);
            public void Resume(IEnumerable<PartitionId> partitions) => inner.Resume(partitions);
            public void Commit(IReadOnlyList<PartitionOffset> offsets)
            {
                Thread.Sleep(delay);
                inner.Commit(offsets);
            }
            public long? Committed(PartitionId partition, TimeSpan timeout) => inner.Committed(partition, timeout);
            public void Close() => inner.Close();
            public void Dispose() => inner.Dispose();
        }
    }

    [Fact]
    public async Task A_rebalance_while_a_commit_is_in_flight_waits_for_it_and_goes_on()
    {
        var bus = new InProcessBus(2);
        using var transport = new SlowCommitTransport(bus, TimeSpan.FromMilliseconds(500));
        for (var i = 0; i < 10; i++) bus.Produce("t", $"k{i}", $"m{i}");
        var (first, probe) = BusConsumer.CommittableSource(transport, new ConsumerSettings("g", ["t"]))
            .ToMaterialized(this.SinkProbe<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        probe.Request(10);
        var read = Enumerable.Range(0, 10).Select(_ => probe.ExpectNext(Wait)).ToList();
        var commit = Committer.CommitAsync(read.Select(m => m.CommittableOffset));
        await Task.Delay(100); // the commit is now on its way

        var second = transport.CreateConsumer(new ConsumerOptions("g", ["t"]));
        IReadOnlyList<PartitionId> taken = [];
        second.Subscribe(p => taken = p, _ => { });
        var deadline = DateTime.UtcNow + Wait;
        while (taken.Count == 0 && DateTime.UtcNow < deadline) second.Consume(TimeSpan.FromMilliseconds(50));
        Assert.Single(taken);
        await commit.WaitAsync(Wait);
        // the revoke waited for the commit, so the new owner starts after what the first had read
        Assert.Null(second.Consume(TimeSpan.FromMilliseconds(300)));
        Assert.All(new[] { 0, 1 }, p => Assert.Equal(read.Where(m => m.Partition == p).Max(m => m.Offset) + 1, bus.CommittedOffset("g", new PartitionId("t", p))));
        second.Close();
        await first.AbortAsync();
    }

    [Fact]
    public async Task Cancelling_the_stream_leaves_the_group_without_committing()
    {
        var bus = new InProcessBus(1);
        var transport = new InProcessTransport(bus);
        bus.Produce("t", "k", "m");
        var (control, probe) = BusConsumer.CommittableSource(transport, new ConsumerSettings("g", ["t"]))
            .ToMaterialized(this.SinkProbe<CommittableMessage>(), Keep.Both)
            .Run(Sys.Materializer());
        probe.Request(1);
        probe.ExpectNext(Wait);
        probe.Cancel();
        await control.IsShutdown.WaitAsync(Wait);
        Assert.Null(bus.CommittedOffset("g", new PartitionId("t", 0)));
    }

    [Fact]
    public void Decider_rides_out_transient_broker_errors_and_stops_on_fatal_ones()
    {
        Assert.Equal(Directive.Resume, StreamDeciders.Default(new KafkaException(ErrorCode.RebalanceInProgress)));
        Assert.Equal(Directive.Resume, StreamDeciders.Default(new KafkaException(ErrorCode.Local_AllBrokersDown)));
        Assert.Equal(Directive.Stop, StreamDeciders.Default(new KafkaException(new Error(ErrorCode.Local_Fatal, "fatal", true))));
        Assert.Equal(Directive.Stop, StreamDeciders.Default(new KafkaException(ErrorCode.TopicAuthorizationFailed)));
        Assert.Equal(Directive.Stop, StreamDeciders.Default(new InvalidOperationException()));
    }

    private sealed class ListLogger : ILogger
    {
        public readonly List<string> Lines = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    [Fact]
    public async Task Repeated_errors_are_logged_once_per_interval_with_a_count()
    {
        var log = new ListLogger();
        var throttled = new ThrottledLog(log, TimeSpan.FromMilliseconds(300));
        for (var i = 0; i < 50; i++) throttled.Report(LogLevel.Warning, "down", "broker down");
        throttled.Report(LogLevel.Warning, "other", "something else");
        Assert.Equal(2, log.Lines.Count);
        await Task.Delay(400);
        throttled.Report(LogLevel.Warning, "down", "broker down");
        Assert.Equal(3, log.Lines.Count);
        Assert.Contains("49 more like it", log.Lines[^1]);
    }
}
