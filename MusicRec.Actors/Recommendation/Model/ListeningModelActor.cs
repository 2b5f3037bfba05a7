using Akka.Actor;
using Akka.Event;
using MusicRec.Contracts;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Recommendation.Model;

/// <summary>Where the node's model learns from: the full activity topic, in a consumer group of this node's own.</summary>
public sealed record ListeningModelOptions
{
    /// <summary>Unique per node, so every node sees every partition (all nodes build the same model).</summary>
    public string GroupId { get; init; } = "musicrec-model";
    public string Topic { get; init; } = Topics.UserActivity;
    /// <summary>Most records applied per poll (the actor's other messages get a turn in between).</summary>
    public int MaxPerPoll { get; init; } = 1024;
    /// <summary>How long the actor waits before polling again when the topic had nothing new.</summary>
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>
/// The one writer of the node's <see cref="ListeningModel"/>: owns a consumer of the whole <c>user_activity</c>
/// topic and applies every valid event in order. It never commits: on every start the group has no offset, so the
/// consumer reads the topic from its start and the model is rebuilt from the source of truth (docs/recommender.md).
/// Invalid records are skipped here; the recommendation pipeline sets them aside with their reason.
/// </summary>
public sealed class ListeningModelActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ListeningModel _model;
    private readonly IMessageTransport _transport;
    private readonly Func<int, bool> _trackExists;
    private readonly ListeningModelOptions _options;
    private IConsumerClient? _consumer;
    private long _skipped;

    public ListeningModelActor(ListeningModel model, IMessageTransport transport, Func<int, bool> trackExists, ListeningModelOptions options)
    {
        _model = model;
        _transport = transport;
        _trackExists = trackExists;
        _options = options;
        Receive<Poll>(_ => PollOnce());
        Receive<GetStatus>(_ => Sender.Tell(new Status(_model.EventsObserved, _skipped, _model.CoListening.Occurrences)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ListeningModel model, IMessageTransport transport, Func<int, bool> trackExists, ListeningModelOptions options) =>
        Akka.Actor.Props.Create(() => new ListeningModelActor(model, transport, trackExists, options));

    protected override void PreStart()
    {
        _consumer = _transport.CreateConsumer(new ConsumerOptions(_options.GroupId, [_options.Topic], StartFromEarliest: true));
        _consumer.Subscribe(_ => { }, _ => { });
        Self.Tell(Poll.Instance);
    }

    protected override void PostStop()
    {
        try { _consumer?.Close(); }
        catch (Exception e) { _log.Warning(e, "Closing the listening model's consumer failed"); }
        _consumer?.Dispose();
    }

    private void PollOnce()
    {
        var batch = new List<ActivityEvent>();
        while (batch.Count < _options.MaxPerPoll && _consumer!.Consume(TimeSpan.Zero) is { } record)
        {
            if (ActivityValidator.Validate(record.Value, _trackExists) is ActivityValidation.Valid valid) batch.Add(valid.Event);
            else _skipped++;
        }
        _model.Observe(batch);
        // More may be waiting: go on at once (after the messages already queued); otherwise look again shortly.
        if (batch.Count == _options.MaxPerPoll) Self.Tell(Poll.Instance);
        else Timers.StartSingleTimer(Poll.Instance, Poll.Instance, _options.IdlePoll);
    }

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    /// <summary>Ask for <see cref="Status"/>: how much of the topic the model has seen.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <param name="Events">Valid activities applied.</param>
    /// <param name="Skipped">Records that were not valid activities.</param>
    /// <param name="Occurrences">Positive events the co-listening model counted.</param>
    public sealed record Status(long Events, long Skipped, long Occurrences);
}
