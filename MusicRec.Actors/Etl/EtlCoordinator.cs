using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Etl;

public static class EtlCoordinatorProtocol
{
    public sealed record Start
    {
        public static readonly Start Instance = new();
    }

    public sealed record EtlCompleted(EtlSummary Summary);
    public sealed record EtlFailed(string Reason);

    // From extraction.
    public sealed record CatalogueProgress(int TracksSeen);
    public sealed record CatalogueRead(int TracksSeen, int QueuedForFeatures, IReadOnlyDictionary<int, LineRef> Metadata);
    public sealed record TrackReused(CheckpointEntry Entry, string AudioPath);
    /// <param name="FromAudio">the audio of a track handed to a worker failed (counts towards the feature phase).</param>
    /// <param name="Key">the audio file, so the reject is checkpointed and not decoded again by a resumed run.</param>
    public sealed record TrackRejected(Reject Reject, bool FromAudio, AudioFileKey? Key = null);
    public sealed record InFlightPeak(int InFlight);
    /// <summary>A track whose features come from features.csv (its vector in the run's features-csv.bin).</summary>
    public sealed record TrackFromCsv(int TrackId);
    internal sealed record FeaturesCsvRead(FeaturesCsvTable Table);

    // From workers.
    public sealed record FeaturesComputed(WorkItem Item, double[] Raw);

    internal sealed record Abort(string Reason);
    internal sealed record ResendBatch(long Seq);
    internal sealed record ReadBackDone(long StoreCount, int Verified, IReadOnlyList<TrackDocument> Samples);
}

/// <summary>
/// One ETL run. Phases, in this order because normalisation needs the whole catalogue:
/// 1. extraction feeds the worker pool; every track's raw features are checkpointed as they arrive;
/// 2. the normaliser fits (or loads) the scaler;
/// 3. final.csv is written in track_id order, rejects.csv sorted, and the documents upserted in acknowledged batches;
/// 4. the store is read back and the run fails if it does not hold every track written.
/// </summary>
public sealed class EtlCoordinator : ReceiveActor, IWithTimers
{
    private readonly EtlOptions _options;
    private readonly EtlPorts _ports;
    private readonly Stopwatch _clock = new();
    private readonly List<Reject> _rejects = new();
    private readonly Dictionary<int, LineRef> _good = new(); // track id -> raw features line in the checkpoint
    private readonly HashSet<int> _fromCsv = new(); // tracks whose vector is in features-csv.bin (offsets in _csv)
    private FeaturesCsvTable? _csv;

    private EtlRunState _state = EtlRunState.Initial;
    private IActorRef _requester = ActorRefs.Nobody;
    private FeatureCheckpoint? _checkpoint;
    private IActorRef _storeWriter = ActorRefs.Nobody;
    private IReadOnlyDictionary<int, LineRef> _metadata = new Dictionary<int, LineRef>();
    private TimeSpan _featuresElapsed;
    private ScalerSource _scalerSource = ScalerSource.None;

    // Phase 3.
    private StandardScaler? _scaler;
    private int[] _writeIds = [];
    private int _writtenFromCsv; // of _writeIds
    private int _next;
    private LineReader? _metaReader;
    private RawFeatureReader? _rawReader;
    private IFinalCsvSink? _final;
    private StoreWriterProtocol.UpsertBatch? _pending;
    private long _seq;
    private DateTime? _storeFailingSince;
    private string _lastStoreError = "";
    private bool _finished;

    public EtlCoordinator(EtlOptions options, EtlPorts ports)
    {
        _options = options;
        _ports = ports;
        Receive<EtlCoordinatorProtocol.Start>(_ => OnStart());
        Receive<EtlCoordinatorProtocol.Abort>(a => Fail(a.Reason));

        Receive<EtlCoordinatorProtocol.CatalogueProgress>(Apply);
        Receive<EtlCoordinatorProtocol.InFlightPeak>(Apply);
        Receive<EtlCoordinatorProtocol.CatalogueRead>(r =>
        {
            _metadata = r.Metadata;
            _good.EnsureCapacity(r.Metadata.Count); // sized once: no chain of ever larger arrays left behind
            Apply(r);
            CollectPhaseGarbage(); // the catalogue reader and its side tables are gone
        });
        Receive<EtlCoordinatorProtocol.TrackReused>(t =>
        {
            if (t.Entry.RejectReason is { } reason) _rejects.Add(new Reject(t.AudioPath, null, t.Entry.TrackId, reason));
            else _good[t.Entry.TrackId] = t.Entry.Line;
            Apply(t);
        });
        Receive<EtlCoordinatorProtocol.TrackRejected>(t =>
        {
            _rejects.Add(t.Reject);
            if (t.Key is { } key && t.Reject.TrackId is { } id) _checkpoint!.AppendReject(id, key, t.Reject.Reason);
            Apply(t);
        });
        Receive<EtlCoordinatorProtocol.FeaturesComputed>(f =>
        {
            _good[f.Item.TrackId] = _checkpoint!.AppendFeatures(f.Item.TrackId, f.Item.Key, f.Raw).Line;
            Apply(f);
        });
        Receive<EtlCoordinatorProtocol.TrackFromCsv>(t =>
        {
            _fromCsv.Add(t.TrackId);
            Apply(t);
        });
        Receive<EtlCoordinatorProtocol.FeaturesCsvRead>(r =>
        {
            _csv = r.Table;
            _fromCsv.EnsureCapacity(r.Table.Count);
            foreach (var reject in r.Table.Rejects)
            {
                _rejects.Add(reject);
                Apply(new EtlCoordinatorProtocol.TrackRejected(reject, FromAudio: false));
            }
            StartExtraction(r.Table);
        });
        Receive<NormaliserProtocol.ScalerReady>(OnScalerReady);

        Receive<StoreWriterProtocol.BatchStored>(OnBatchStored);
        Receive<StoreWriterProtocol.BatchFailed>(f => OnStoreTrouble(f.Seq, f.Reason));
        Receive<StoreWriterProtocol.WriterUnavailable>(_ => OnStoreTrouble(_pending?.Seq ?? -1, null));
        Receive<EtlCoordinatorProtocol.ResendBatch>(r =>
        {
            if (_pending is { } p && p.Seq == r.Seq) SendPending();
        });
        Receive<EtlCoordinatorProtocol.ReadBackDone>(OnReadBack);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(EtlOptions options, EtlPorts ports) =>
        Akka.Actor.Props.Create(() => new EtlCoordinator(options, ports));

    protected override SupervisorStrategy SupervisorStrategy()
    {
        var self = Self;
        // Any child failure that reaches here is fatal for the run (catalogue unreadable, native library
        // missing, scaler file damaged): stop it and report one clear reason.
        // Not logged: the reason is what the run reports, as one line.
        return new OneForOneStrategy(cause =>
        {
            self.Tell(new EtlCoordinatorProtocol.Abort(Describe(cause)));
            return Directive.Stop;
        }, loggingEnabled: false);
    }

    private static string Describe(Exception cause)
    {
        while (cause is ActorInitializationException { InnerException: { } inner }) cause = inner;
        return cause is CatalogException or NativeLibraryMissingException or InvalidDataException
            ? cause.Message
            : $"{cause.GetType().Name}: {cause.Message}";
    }

    private void Apply(object evt)
    {
        _state = _state.Apply(evt);
        _options.Progress?.Invoke(_state.ToProgress(_clock.Elapsed));
        if (_state.Phase == EtlPhase.Features && _state.FeaturesDone) BeginNormalise();
    }

    private void OnStart()
    {
        if (!_requester.IsNobody()) return;
        _requester = Sender;
        _clock.Start();
        try
        {
            Directory.CreateDirectory(_options.OutDir);
            _checkpoint = FeatureCheckpoint.Open(_options.CheckpointPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"cannot open the work folder {Path.GetDirectoryName(_options.CheckpointPath)}: {e.Message}");
            return;
        }
        var csvPath = _options.FeaturesCsvPath;
        var readCsv = _options.Features switch
        {
            FeatureSourceMode.Csv => true,
            FeatureSourceMode.Auto => csvPath is not null && File.Exists(csvPath),
            _ => false,
        };
        if (_options.Features == FeatureSourceMode.Csv && (csvPath is null || !File.Exists(csvPath)))
        {
            Fail($"--features csv needs FMA's features.csv, not found at {csvPath ?? "(no path)"}");
            return;
        }
        if (!readCsv)
        {
            StartExtraction(null);
            return;
        }
        // Read first, off the actor's thread: the feeder needs the table to know which tracks features.csv covers.
        var bin = _options.FeaturesCsvBinPath;
        Task.Run(() => FeaturesCsvTable.Build(csvPath!, bin)).PipeTo(Self,
            success: t => new EtlCoordinatorProtocol.FeaturesCsvRead(t),
            failure: e => new EtlCoordinatorProtocol.Abort(Describe(e is AggregateException { InnerException: { } i } ? i : e)));
    }

    private void StartExtraction(FeaturesCsvTable? csv)
    {
        var feeder = Context.ActorOf(CatalogueFeeder.Props(_ports.Catalogue, _options.AudioDir, _options.RunTracksPath,
            _checkpoint!.Loaded, Self, _options.MaxQueuedWork, csv), "extraction");
        Context.ActorOf(FeatureWorkerPool.Props(_options.Workers, feeder, Self, _ports.NewDecoder, _ports.NewExtractor), "dsp-workers");
        _storeWriter = Context.ActorOf(StoreWriter.PropsWithBackoff(_ports.Store, _options.StoreMinBackoff, _options.StoreMaxBackoff), "store");
    }

    /// <summary>
    /// One full, compacting collection at a phase end. Reading the whole catalogue up front (side tables, parse
    /// garbage, dictionary resizes) and the feature phase (each worker's decode and extractor buffers) leave
    /// megabytes of dead large arrays in gen2 and the large object heap, which only a full collection frees; the
    /// GC, driven by allocation budgets, otherwise carries them into the next phase, so the peak grew with the
    /// catalogue (docs/benchmarks.md, "Runtime settings"). Twice per run, a few milliseconds each.
    /// </summary>
    private static void CollectPhaseGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private void BeginNormalise()
    {
        _featuresElapsed = _clock.Elapsed;
        Apply(EtlPhase.Normalise);
        // Only tracks of this run's catalogue: a track dropped from the catalogue is not written again.
        _writeIds = _good.Keys.Concat(_fromCsv).Where(_metadata.ContainsKey).Distinct().Order().ToArray();
        var fromCsv = _writtenFromCsv = _writeIds.Count(_fromCsv.Contains);
        var fromAudio = _writeIds.Length - fromCsv;
        if (fromCsv > 0 && fromAudio > 0 && !_options.MixSources)
        {
            Fail(MixedFeatureSources.Refusal(fromAudio, fromCsv));
            return;
        }
        var runSource = fromCsv == 0 ? FeatureSources.Audio : fromAudio == 0 ? FeatureSources.FeaturesCsv : StandardScaler.MixedSource;
        var normaliser = Context.ActorOf(Normaliser.Props(_options.ScalerPath, _options.Refit, _options.CheckpointPath, _csv?.BinPath), "normaliser");
        normaliser.Tell(new NormaliserProtocol.Prepare(_writeIds.Select(RawOf).ToArray(), runSource));
    }

    private RawRef RawOf(int id) =>
        _fromCsv.Contains(id) && _csv!.TryGet(id, out var csv) ? new RawRef(csv, true) : new RawRef(_good[id], false);

    private void OnScalerReady(NormaliserProtocol.ScalerReady ready)
    {
        _scaler = ready.Scaler;
        _scalerSource = ready.Source;
        CollectPhaseGarbage(); // the DSP workers and their buffers are gone
        Apply(EtlPhase.Write);
        try
        {
            _final = _ports.OpenFinalCsv(_options.FinalCsvPath);
            if (_writeIds.Length > 0)
            {
                _metaReader = new LineReader(_options.RunTracksPath);
                _rawReader = new RawFeatureReader(_options.CheckpointPath, _csv?.BinPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"cannot write the outputs in {_options.OutDir}: {e.Message}");
            return;
        }
        SendNextBatch();
    }

    private void SendNextBatch()
    {
        if (_next >= _writeIds.Length)
        {
            FinishOutputs();
            return;
        }
        var docs = new List<TrackDocument>(_options.StoreBatchSize);
        while (docs.Count < _options.StoreBatchSize && _next < _writeIds.Length)
        {
            var id = _writeIds[_next++];
            var track = JsonSerializer.Deserialize<TrackRecord>(_metaReader!.Read(_metadata[id]))!;
            var rawRef = RawOf(id);
            var raw = _rawReader!.Read(rawRef);
            var doc = TrackDocuments.Create(track, _scaler!.Transform(raw), rawRef.FromCsv ? FeatureSources.FeaturesCsv : FeatureSources.Audio);
            _final!.Write(track, doc);
            docs.Add(doc);
        }
        _pending = new StoreWriterProtocol.UpsertBatch(++_seq, docs);
        SendPending();
    }

    private void SendPending()
    {
        _storeWriter.Tell(_pending!);
        // Safety net if both the batch and its answer vanished (writer stopped mid-batch).
        Timers.StartSingleTimer("resend", new EtlCoordinatorProtocol.ResendBatch(_pending!.Seq), _options.StoreAckTimeout);
    }

    private void OnBatchStored(StoreWriterProtocol.BatchStored stored)
    {
        if (_pending is null || stored.Seq != _pending.Seq) return; // a late duplicate of a batch sent twice
        Timers.Cancel("resend");
        _pending = null;
        _storeFailingSince = null;
        Apply(stored);
        SendNextBatch();
    }

    private void OnStoreTrouble(long seq, string? reason)
    {
        if (_pending is null || seq != _pending.Seq) return;
        if (reason is not null) _lastStoreError = reason;
        _storeFailingSince ??= DateTime.UtcNow;
        if (DateTime.UtcNow - _storeFailingSince > _options.StoreGiveUpAfter)
        {
            Fail($"the store {_ports.Store.Describe()} kept failing for {_options.StoreGiveUpAfter.TotalSeconds:0.#} s: {_lastStoreError}");
            return;
        }
        // The backoff supervisor paces the writer's restarts; until it is back this just asks again.
        Timers.StartSingleTimer("resend", new EtlCoordinatorProtocol.ResendBatch(_pending.Seq), _options.StoreMinBackoff);
    }

    private void FinishOutputs()
    {
        _final!.Commit();
        _final.Dispose();
        _final = null;
        using (var rejects = _ports.OpenRejectsCsv(_options.RejectsCsvPath))
        {
            foreach (var r in _rejects
                         .OrderBy(r => r.TrackId ?? int.MaxValue)
                         .ThenBy(r => r.Source, StringComparer.Ordinal)
                         .ThenBy(r => r.Line ?? -1)
                         .ThenBy(r => r.Reason, StringComparer.Ordinal))
                rejects.Write(r);
            rejects.Commit();
        }
        Apply(EtlPhase.ReadBack);
        var store = _ports.Store;
        var ids = _writeIds;
        var samples = _options.SampleDocuments;
        ReadBackAsync(store, ids, samples).PipeTo(Self,
            failure: e => new EtlCoordinatorProtocol.Abort($"reading back from the store {store.Describe()} failed: {e.Message}"));
    }

    private static async Task<EtlCoordinatorProtocol.ReadBackDone> ReadBackAsync(ITrackStore store, int[] ids, int samples)
    {
        var verified = 0;
        // Small chunks: each one's documents are garbage before the next is read, so this costs the same at any size.
        foreach (var chunk in ids.Chunk(256))
        {
            var found = await store.GetByIdsAsync(chunk);
            verified += found.Select(d => d.TrackId).Distinct().Count(chunk.Contains);
        }
        var shown = ids.Length == 0 ? [] : await store.GetByIdsAsync(ids.Take(samples).ToArray());
        return new EtlCoordinatorProtocol.ReadBackDone(await store.CountAsync(), verified, shown);
    }

    private void OnReadBack(EtlCoordinatorProtocol.ReadBackDone done)
    {
        if (done.Verified != _writeIds.Length)
        {
            Fail($"the store {_ports.Store.Describe()} holds {done.Verified} of the {_writeIds.Length} tracks written");
            return;
        }
        Apply(EtlPhase.Done);
        var s = _state;
        var summary = new EtlSummary(_writeIds.Length, s.Computed, s.FromCheckpoint, _rejects.Count, s.DecodeRejected,
            _clock.Elapsed, _featuresElapsed, _scalerSource, done.StoreCount, done.Verified, s.MaxInFlight,
            done.Samples, _ports.Store.Describe())
        {
            FromFeaturesCsv = _writtenFromCsv,
            FromAudio = _writeIds.Length - _writtenFromCsv,
            ScalerFeatureSource = _scaler?.Source,
        };
        _finished = true;
        _requester.Tell(new EtlCoordinatorProtocol.EtlCompleted(summary));
        Context.Stop(Self);
    }

    private void Fail(string reason)
    {
        if (_finished) return;
        _finished = true;
        _requester.Tell(new EtlCoordinatorProtocol.EtlFailed(reason));
        Context.Stop(Self);
    }

    protected override void PostStop()
    {
        _final?.Dispose(); // uncommitted: the temporary file is deleted, final.csv is left as it was
        _metaReader?.Dispose();
        _rawReader?.Dispose();
        _checkpoint?.Dispose();
        // features.csv's parsed copy (4 KB a track) is this run's only: it is parsed again by the next run.
        if (_csv is not null)
            try { File.Delete(_csv.BinPath); }
            catch (IOException) { }
    }
}

public static class MixedFeatureSources
{
    /// <summary>Why a run whose tracks would take features from both audio and features.csv stops, without --mix-sources.</summary>
    public static string Refusal(int fromAudio, int fromCsv) =>
        $"{fromAudio} tracks have features from audio and {fromCsv} from features.csv; FMA computed features.csv with " +
        "librosa 0.5 at each file's native sample rate, so the two sources' values differ (docs/feature-sources.md) and " +
        "one scaler and index over both would compare unlike numbers: run with --features audio or --features csv, " +
        "or --mix-sources to force it";
}

/// <summary>An ETL run that could not finish; the message is one line for the user.</summary>
public sealed class EtlFailedException(string message) : Exception(message);

public static class EtlRun
{
    /// <summary>
    /// A dedicated dispatcher for the DSP workers, one thread each, so long CPU-bound messages never starve the
    /// coordinator, extraction and store writer on the default dispatcher.
    /// </summary>
    public static Config WorkerDispatcherConfig(int workers) => ConfigurationFactory.ParseString($$"""
        {{FeatureWorkerPool.WorkerDispatcher}} {
          type = ForkJoinDispatcher
          throughput = 1
          dedicated-thread-pool {
            thread-count = {{Math.Max(1, workers)}}
            threadtype = background
          }
        }
        """);

    /// <summary>Runs one ETL to the end in <paramref name="system"/>; throws <see cref="EtlFailedException"/> when it fails.</summary>
    public static async Task<EtlSummary> RunAsync(ActorSystem system, EtlOptions options, EtlPorts ports, CancellationToken ct = default)
    {
        var coordinator = system.ActorOf(EtlCoordinator.Props(options, ports), $"etl-{Guid.NewGuid():N}");
        object reply;
        try
        {
            reply = await coordinator.Ask<object>(EtlCoordinatorProtocol.Start.Instance, Timeout.InfiniteTimeSpan, ct);
        }
        catch (OperationCanceledException)
        {
            coordinator.Tell(PoisonPill.Instance);
            throw;
        }
        return reply switch
        {
            EtlCoordinatorProtocol.EtlCompleted c => c.Summary,
            EtlCoordinatorProtocol.EtlFailed f => throw new EtlFailedException(f.Reason),
            _ => throw new EtlFailedException($"unexpected reply {reply.GetType().Name}"),
        };
    }
}
