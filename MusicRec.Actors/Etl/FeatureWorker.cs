using Akka.Actor;
using MusicRec.Dsp;

namespace MusicRec.Etl;

public static class FeatureWorkerProtocol
{
    /// <summary>Sent by a failing worker to its supervisor with the track it was working on.</summary>
    public sealed record WorkFailed(WorkItem Item, Exception Cause);
}

/// <summary>Features could not be computed from audio that did decode (for example non-finite values).</summary>
public sealed class FeatureComputationException(string filePath, string problem) : Exception($"{filePath}: {problem}")
{
    public string Problem { get; } = problem;
}

/// <summary>
/// Decodes one clip and computes its features, then asks for the next one: the decoded signal lives only inside
/// this actor for the duration of one message. Owns its decoder and extractor because the extractor reuses its
/// buffers and is not thread-safe. A bad file makes it throw; its supervisor records the reject and restarts it.
/// </summary>
public sealed class FeatureWorker : ReceiveActor
{
    private readonly IActorRef _feeder;
    private readonly IActorRef _results;
    private readonly IAudioDecoder _decoder;
    private readonly IFeatureExtractor _extractor;
    private readonly SampleBuffers _samples = new(); // reused for every clip: no large allocation per track

    public FeatureWorker(IActorRef feeder, IActorRef results, Func<IAudioDecoder> newDecoder, Func<IFeatureExtractor> newExtractor)
    {
        _feeder = feeder;
        _results = results;
        _decoder = newDecoder();
        _extractor = newExtractor();
        Receive<CatalogueFeederProtocol.Work>(w => Compute(w.Item));
        Receive<CatalogueFeederProtocol.NoMoreWork>(_ => Context.Stop(Self));
    }

    public static Props Props(IActorRef feeder, IActorRef results, Func<IAudioDecoder> newDecoder, Func<IFeatureExtractor> newExtractor) =>
        Akka.Actor.Props.Create(() => new FeatureWorker(feeder, results, newDecoder, newExtractor));

    protected override void PreStart() => _feeder.Tell(CatalogueFeederProtocol.RequestWork.Instance);

    protected override void PreRestart(Exception reason, object message)
    {
        // The message that failed is dropped by the restart: hand it to the supervisor so it becomes a reject,
        // never lost and never retried forever.
        if (message is CatalogueFeederProtocol.Work w) Context.Parent.Tell(new FeatureWorkerProtocol.WorkFailed(w.Item, reason));
        base.PreRestart(reason, message);
    }

    private void Compute(WorkItem item)
    {
        var samples = _decoder.DecodeMono22050(item.AudioPath, _samples);
        if (samples.Length == 0) throw new AudioDecodeException(item.AudioPath, "no audio samples");
        var features = _extractor.Extract(samples.Span);
        var raw = features.ToVector();
        foreach (var v in raw)
            if (!double.IsFinite(v))
                throw new FeatureComputationException(item.AudioPath, "features are not finite numbers (silent or damaged audio)");
        _results.Tell(new EtlCoordinatorProtocol.FeaturesComputed(item, raw));
        _feeder.Tell(CatalogueFeederProtocol.RequestWork.Instance);
    }
}

/// <summary>
/// Supervises the DSP workers (one per core). OneForOne/Restart: a bad file costs one worker restart and
/// becomes a reject with its reason; a missing native library is escalated because every file would fail.
/// </summary>
public sealed class FeatureWorkerPool : ReceiveActor
{
    /// <summary>Dedicated dispatcher id for the workers when the actor system defines it (see <see cref="EtlHocon"/>).</summary>
    public const string WorkerDispatcher = "musicrec-etl-workers";

    private readonly IActorRef _results;
    private int _running;

    public FeatureWorkerPool(int workers, IActorRef feeder, IActorRef results, Func<IAudioDecoder> newDecoder, Func<IFeatureExtractor> newExtractor)
    {
        _results = results;
        var props = FeatureWorker.Props(feeder, results, newDecoder, newExtractor);
        if (Context.System.Dispatchers.HasDispatcher(WorkerDispatcher)) props = props.WithDispatcher(WorkerDispatcher);
        for (var i = 0; i < Math.Max(1, workers); i++)
        {
            Context.Watch(Context.ActorOf(props, $"worker-{i + 1}"));
            _running++;
        }

        Receive<FeatureWorkerProtocol.WorkFailed>(f =>
            _results.Tell(new EtlCoordinatorProtocol.TrackRejected(
                new Catalog.Reject(f.Item.AudioPath, null, f.Item.TrackId, Describe(f.Cause)), FromAudio: true, f.Item.Key)));
        Receive<Terminated>(_ =>
        {
            if (--_running == 0) Context.Stop(Self); // every worker saw NoMoreWork
        });
    }

    public static Props Props(int workers, IActorRef feeder, IActorRef results, Func<IAudioDecoder> newDecoder, Func<IFeatureExtractor> newExtractor) =>
        Akka.Actor.Props.Create(() => new FeatureWorkerPool(workers, feeder, results, newDecoder, newExtractor));

    protected override SupervisorStrategy SupervisorStrategy() =>
        // Unlimited restarts: every bad file costs one. Not logged here because each one is a row in rejects.csv.
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeMilliseconds: -1, localOnlyDecider: cause => cause switch
        {
            NativeLibraryMissingException => Directive.Escalate,
            ActorInitializationException => Directive.Escalate, // decoder or extractor cannot even be created
            _ => Directive.Restart,
        }, loggingEnabled: false);

    public static string Describe(Exception cause) => cause switch
    {
        AudioDecodeException d => $"cannot decode audio: {d.Problem}",
        FeatureComputationException f => $"cannot compute features: {f.Problem}",
        _ => $"cannot compute features: {cause.GetType().Name}: {cause.Message}",
    };
}
