using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Streaming.Stages;
using MusicRec.Streaming.Transport;

namespace MusicRec.Streaming;

/// <summary>How the activity pipeline runs; every field has a working default.</summary>
public sealed record ActivityPipelineSettings
{
    public string GroupId { get; init; } = "musicrec-recommender";
    public string ActivityTopic { get; init; } = Topics.UserActivity;
    public string RecommendationsTopic { get; init; } = Topics.Recommendations;
    public string DeadLetterTopic { get; init; } = Topics.UserActivityDlq;
    /// <summary>
    /// Events in flight at once (asked, or waiting for their batches' delivery or for an earlier event). Wide, so that
    /// under a backlog each user's next events are already waiting while its last write is stored and share the next
    /// journal write (docs/benchmarks.md). At a rate the recommenders keep up with, few are in flight whatever the
    /// limit. It also bounds what a crash replays: events in flight are not yet committed.
    /// </summary>
    public int RecommenderParallelism { get; init; } = 16384;
    /// <summary>
    /// One user's events at most between being sent to the recommender and having their batch delivered (0: no limit,
    /// for benchmarks only). At most three times the recommender's <see cref="TasteSettings.MaxRecentBatches"/>, so an
    /// event redelivered after a crash always gets its batch again (see <see cref="UserInFlightLimit"/>); the service
    /// checks it at start-up with <see cref="RedeliveryProblem"/>.
    /// </summary>
    public int MaxInFlightPerUser { get; init; } = UserTasteState.BatchSize * new TasteSettings().MaxRecentBatches;
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int ConsumerBufferSize { get; init; } = 512;
    public CommitterSettings Committer { get; init; } = new();
    public RestartSettings Restart { get; init; } = RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);
    /// <summary>How long a drain may take before the rest is abandoned (and read again on the next start).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Why, with the recommender's <paramref name="taste"/>, a redelivered event could miss its batch; null when it cannot.</summary>
    public string? RedeliveryProblem(TasteSettings taste)
    {
        var most = UserTasteState.BatchSize * taste.MaxRecentBatches;
        return MaxInFlightPerUser >= 1 && MaxInFlightPerUser <= most ? null
            : $"max-in-flight-per-user is {MaxInFlightPerUser}, but it must be between 1 and {most} " +
              $"({UserTasteState.BatchSize} x the {taste.MaxRecentBatches} batches each user's recommender keeps): " +
              "otherwise an event redelivered after a crash may find its batch forgotten and the batch is lost";
    }
}

/// <summary>Counters for logs and metrics (events/s, batches/s); read at any time.</summary>
public sealed class ActivityPipelineMetrics
{
    internal long EventsIn;
    internal long Applied;
    internal long DeadLettered;
    internal long BatchesPublished;
    internal long OffsetsCommitted;
    internal long Restarts;

    public long EventsReceived => Interlocked.Read(ref EventsIn);
    public long EventsApplied => Interlocked.Read(ref Applied);
    public long EventsDeadLettered => Interlocked.Read(ref DeadLettered);
    public long Batches => Interlocked.Read(ref BatchesPublished);
    public long Committed => Interlocked.Read(ref OffsetsCommitted);
    public long StreamRestarts => Interlocked.Read(ref Restarts);
    /// <summary>Listens, likes and skips of recommended tracks, by source (the dashboard's like and skip rates).</summary>
    public Feedback.RecommendedFeedback Feedback { get; } = new();
}

/// <summary>
/// user_activity → validate (invalid → user_activity.dlq) → the user's recommender (ApplyActivity through a
/// <see cref="RecommenderAsker"/>; the reply comes once the event is persisted) → each completed batch to
/// recommendations, as soon as that event's answer is in (delivery awaited) → commit, in consumed order. At-least-once:
/// an offset is committed only after everything it and every earlier event caused is delivered, so after a crash the
/// event comes again and the recommender answers a repeat with the same batch ids.
/// The same code runs on Kafka and on the in-process bus.
/// </summary>
public static class ActivityPipeline
{
    public static ActivityPipelineControl Start(
        ActorSystem system,
        IMessageTransport transport,
        IActorRef recommender,
        Func<int, bool> trackExists,
        ActivityPipelineSettings? settings = null,
        ILogger? log = null)
    {
        settings ??= new ActivityPipelineSettings();
        log ??= NullLogger.Instance;
        return new ActivityPipelineControl(system, transport, recommender, trackExists, settings, log);
    }
}

/// <summary>
/// What each consumed event becomes, for one run of the stream: its batches (or its dead letter) delivered, then its
/// offset to commit. An event's batches go out as soon as its own answer is in, so a slow answer holds back no other
/// user's batches; only the commits wait for every earlier event, because the stage around this emits in consumed order.
/// That stage also calls <see cref="ProcessAsync"/> one event at a time in consumed order, which is what keeps one
/// user's asks, and so their batches, in order (see <see cref="UserInFlightLimit"/>).
/// </summary>
internal sealed class ActivityProcessor(
    RecommenderAsker recommender, IProducerClient producer, Func<int, bool> trackExists, ActivityPipelineSettings settings,
    ActivityPipelineMetrics metrics)
{
    private readonly UserInFlightLimit _users = new(settings.MaxInFlightPerUser > 0 ? settings.MaxInFlightPerUser : int.MaxValue);

    public async Task<CommittableOffset> ProcessAsync(CommittableMessage message)
    {
        Interlocked.Increment(ref metrics.EventsIn);
        var validation = ActivityValidator.Validate(message.Value, trackExists);
        if (validation is not ActivityValidation.Valid { Event: var ev })
        {
            await DeadLetterAsync(message, ((ActivityValidation.Invalid)validation).Reason).ConfigureAwait(false);
            return message.CommittableOffset;
        }
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = _users.Enter(ev.UserId, sent.Task, out var previous, () => recommender.Ask(ev));
        Task delivered;
        try
        {
            delivered = await SendAsync(message, ev, asked, previous).ConfigureAwait(false);
        }
        finally
        {
            // Also when the ask failed: the user's later events must not wait on this one.
            sent.TrySetResult();
        }
        await delivered.ConfigureAwait(false);
        _users.Release(ev.UserId);
        return message.CommittableOffset;
    }

    /// <summary>
    /// Waits for the answer and then for the user's previous event, and sends the batches (or, for a refusal, the dead
    /// letter); returns their delivery.
    /// </summary>
    private async Task<Task> SendAsync(CommittableMessage message, ActivityEvent ev, Task<UserRecommenderProtocol.ActivityApplied> asked, Task previous)
    {
        UserRecommenderProtocol.ActivityApplied applied;
        try
        {
            applied = await asked.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not AskTimeoutException and not OperationCanceledException)
        {
            // The recommender answered, with a refusal of this one event (the journal rejected its write, say): set it
            // aside with the reason and go on. A timeout is not an answer: the stream restarts and the event comes again.
            return DeadLetterAsync(message, $"the recommender refused the event: {e.Message}");
        }
        Interlocked.Increment(ref metrics.Applied);
        Interlocked.Add(ref metrics.BatchesPublished, applied.Batches.Count);
        if (!applied.Duplicate) metrics.Feedback.Observe(ev, applied.Batches);
        await previous.ConfigureAwait(false);
        return Publish(applied.Batches);
    }

    /// <summary>Sends each batch now, in order; the task completes when all are delivered.</summary>
    private Task Publish(IReadOnlyList<RecommendationBatch> batches) => batches.Count switch
    {
        0 => Task.CompletedTask,
        1 => producer.ProduceAsync(Record(batches[0])),
        _ => Task.WhenAll(batches.Select(b => producer.ProduceAsync(Record(b))).ToList()),
    };

    private OutgoingRecord Record(RecommendationBatch batch) =>
        new(settings.RecommendationsTopic, batch.UserId, StreamingJson.SerializeToUtf8Bytes(batch));

    /// <summary>The event goes to the dead-letter topic with the reason; its offset is committed once the letter is delivered.</summary>
    private Task DeadLetterAsync(CommittableMessage message, string reason)
    {
        Interlocked.Increment(ref metrics.DeadLettered);
        var letter = new DeadLetter(message.ValueText, reason, message.Topic, message.Partition, message.Offset);
        return producer.ProduceAsync(new OutgoingRecord(settings.DeadLetterTopic, message.Key, StreamingJson.Serialize(letter)));
    }
}

/// <summary>The running pipeline (as Akka.Streams.Kafka's DrainingControl).</summary>
public sealed class ActivityPipelineControl : IAsyncDisposable
{
    private readonly ActivityPipelineSettings _settings;
    private readonly ILogger _log;
    private readonly IProducerClient _producer;
    private readonly UniqueKillSwitch _killSwitch;
    private readonly RecommenderAsker _recommender;
    private volatile IConsumerControl? _current;
    private volatile bool _draining;
    private int _finished;

    internal ActivityPipelineControl(
        ActorSystem system, IMessageTransport transport, IActorRef recommender, Func<int, bool> trackExists,
        ActivityPipelineSettings settings, ILogger log)
    {
        _settings = settings;
        _log = log;
        _producer = transport.CreateProducer();
        _recommender = new RecommenderAsker(system, recommender, settings.AskTimeout);
        var consumerSettings = new ConsumerSettings(settings.GroupId, [settings.ActivityTopic])
        {
            BufferSize = settings.ConsumerBufferSize,
            Decider = settings.Committer.Decider,
        };
        var started = 0;
        var source = RestartSource.OnFailuresWithBackoff(() =>
        {
            // After a drain began, a restart must not subscribe again.
            if (_draining) return Source.Empty<int>();
            if (Interlocked.Increment(ref started) > 1)
            {
                Interlocked.Increment(ref Metrics.Restarts);
                _log.LogWarning("Activity pipeline: restarting the stream and subscribing again ({Transport})", transport.Describe());
            }
            // Per stream: the slots of a failed stream's events are never released, and its events come again.
            var processor = new ActivityProcessor(_recommender, _producer, trackExists, settings, Metrics);
            return BusConsumer.CommittableSource(transport, consumerSettings, log)
                .MapMaterializedValue(control =>
                {
                    _current = control;
                    return Akka.NotUsed.Instance;
                })
                .SelectAsync(settings.RecommenderParallelism, processor.ProcessAsync)
                .Via(Committer.Flow(settings.Committer));
        }, settings.Restart);

        var (killSwitch, completion) = source
            .ViaMaterialized(KillSwitches.Single<int>(), Keep.Right)
            .ToMaterialized(Sink.ForEach<int>(n => Interlocked.Add(ref Metrics.OffsetsCommitted, n)), Keep.Both)
            .Run(system.Materializer());
        _killSwitch = killSwitch;
        Completion = completion;
        Description = $"activity pipeline on {transport.Describe()} (group {settings.GroupId})";
    }

    public string Description { get; }

    public ActivityPipelineMetrics Metrics { get; } = new();

    /// <summary>Completes when the stream has ended (after a drain, an abort, or a failure the restart gave up on).</summary>
    public Task Completion { get; }

    /// <summary>The partitions the current consumer holds.</summary>
    public IReadOnlyList<PartitionId> Assignment => (_current as ConsumerDriver)?.Assignment ?? [];

    /// <summary>
    /// Stops taking events, lets those in flight finish (recommender reply, delivery, commit), then leaves the group.
    /// Past <see cref="ActivityPipelineSettings.DrainTimeout"/> what is left is abandoned and read again on the next start.
    /// </summary>
    public async Task DrainAndShutdownAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 1)
        {
            await Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return;
        }
        _draining = true;
        var deadline = DateTime.UtcNow + _settings.DrainTimeout;
        var stopped = new List<IConsumerControl>();
        while (!Completion.IsCompleted && DateTime.UtcNow < deadline)
        {
            // A restart may have swapped the consumer just now: stop whichever is current.
            var current = _current;
            if (current is not null && !stopped.Contains(current))
            {
                await current.StopAsync().ConfigureAwait(false);
                stopped.Add(current);
            }
            await Task.WhenAny(Completion, Task.Delay(50)).ConfigureAwait(false);
        }
        if (!Completion.IsCompleted)
        {
            _log.LogWarning("Activity pipeline: drain took longer than {Timeout}; the rest will be read again on the next start", _settings.DrainTimeout);
            _killSwitch.Abort(new TimeoutException("drain timed out"));
        }
        foreach (var c in stopped) await c.ShutdownAsync().ConfigureAwait(false);
        if (_current is { } last && !stopped.Contains(last)) await last.AbortAsync().ConfigureAwait(false);
        await Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
        _recommender.Dispose();
    }

    /// <summary>Ends at once, as a crash would: nothing more is committed, the consumer leaves its group.</summary>
    public async Task AbortAsync()
    {
        if (Interlocked.Exchange(ref _finished, 1) == 1) return;
        _draining = true;
        _killSwitch.Abort(new OperationCanceledException("activity pipeline aborted"));
        if (_current is { } current) await current.AbortAsync().ConfigureAwait(false);
        await Completion.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _producer.Dispose();
        _recommender.Dispose();
    }

    public ValueTask DisposeAsync() => new(DrainAndShutdownAsync());
}
