using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MusicRec.Streaming.Transport;

namespace MusicRec.Streaming.Stages;

/// <summary>Consumer sources over any <see cref="IMessageTransport"/> (as Akka.Streams.Kafka's KafkaConsumer).</summary>
public static class BusConsumer
{
    /// <summary>
    /// Subscribes with a consumer group and emits messages as downstream asks for them; offsets are committed by
    /// <see cref="Committer"/> after processing. Cancelling or failing the stream leaves the group without committing.
    /// </summary>
    public static Source<CommittableMessage, IConsumerControl> CommittableSource(
        IMessageTransport transport, ConsumerSettings settings, ILogger? log = null) =>
        Source.FromGraph(new CommittableSourceStage(transport, settings, log ?? NullLogger.Instance));
}

internal sealed class CommittableSourceStage(IMessageTransport transport, ConsumerSettings settings, ILogger log)
    : GraphStageWithMaterializedValue<SourceShape<CommittableMessage>, IConsumerControl>
{
    private readonly Outlet<CommittableMessage> _out = new("CommittableSource.out");

    public override SourceShape<CommittableMessage> Shape => new(_out);

    public override ILogicAndMaterializedValue<IConsumerControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var driver = new ConsumerDriver(transport, settings, log);
        return new LogicAndMaterializedValue<IConsumerControl>(new Logic(this, driver), driver);
    }

    private sealed class Logic : OutGraphStageLogic
    {
        private readonly CommittableSourceStage _stage;
        private readonly ConsumerDriver _driver;

        public Logic(CommittableSourceStage stage, ConsumerDriver driver) : base(stage.Shape)
        {
            _stage = stage;
            _driver = driver;
            SetHandler(stage._out, this);
        }

        public override void PreStart()
        {
            var available = GetAsyncCallback(TryPush);
            var failed = GetAsyncCallback<Exception>(FailStage);
            var stopped = GetAsyncCallback(CompleteStage);
            _driver.Start(available, failed, stopped);
            if (_driver.StopRequested) CompleteStage();
        }

        public override void OnPull() => TryPush();

        private void TryPush()
        {
            if (IsAvailable(_stage._out) && _driver.TryTake(out var message)) Push(_stage._out, message);
        }

        public override void PostStop()
        {
            // Stopped through the control: the consumer stays for the final commits until ShutdownAsync.
            // Cancelled or failed: leave the group now; whatever was not committed is read again.
            if (!_driver.StopRequested) _driver.AbortAsync();
        }
    }
}

/// <summary>Commits processed offsets in batches (as Akka.Streams.Kafka's Committer).</summary>
public static class Committer
{
    /// <summary>Groups offsets (<see cref="CommitterSettings.MaxBatch"/> or <see cref="CommitterSettings.MaxInterval"/>), commits
    /// the highest per partition, one batch at a time so commits never go backwards; emits each batch's size.</summary>
    public static Flow<CommittableOffset, int, NotUsed> Flow(CommitterSettings settings) =>
        Akka.Streams.Dsl.Flow.Create<CommittableOffset>()
            .GroupedWithin(settings.MaxBatch, settings.MaxInterval)
            .SelectAsync(1, async batch =>
            {
                var list = batch as IReadOnlyCollection<CommittableOffset> ?? batch.ToList();
                await CommitAsync(list).ConfigureAwait(false);
                return list.Count;
            });

    public static Sink<CommittableOffset, Task<Done>> Sink(CommitterSettings settings) =>
        Flow(settings).ToMaterialized(Akka.Streams.Dsl.Sink.Ignore<int>(), Keep.Right);

    /// <summary>Commits the highest offset per partition (and assignment epoch) of each consumer.</summary>
    public static Task CommitAsync(IEnumerable<CommittableOffset> offsets) =>
        Task.WhenAll(offsets
            .GroupBy(o => o.Committer)
            .Select(g => g.Key.CommitAsync(g
                .GroupBy(o => (o.Partition, o.AssignmentEpoch))
                .Select(p => p.MaxBy(o => o.Offset)!)
                .ToList())));
}
