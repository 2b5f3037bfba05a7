using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Etl;

/// <summary>Writes <c>final.csv</c>: one row per good track, in the order given; nothing is visible before <see cref="Commit"/>.</summary>
public interface IFinalCsvSink : IDisposable
{
    void Write(TrackRecord track, TrackDocument document);
    void Commit();
}

/// <summary>Writes <c>rejects.csv</c> (source,line,track_id,reason); nothing is visible before <see cref="Commit"/>.</summary>
public interface IRejectsSink : IDisposable
{
    void Write(Reject reject);
    void Commit();
}

/// <summary>
/// Everything the ETL talks to, as interfaces and factories, so the pipeline runs with fakes in tests and with
/// the real catalogue reader, decoder, extractor, CSV writers and store in the CLI.
/// </summary>
public sealed record EtlPorts(
    ICatalogReader Catalogue,
    Func<IAudioDecoder> NewDecoder,
    Func<IFeatureExtractor> NewExtractor,
    ITrackStore Store,
    Func<string, IFinalCsvSink> OpenFinalCsv,
    Func<string, IRejectsSink> OpenRejectsCsv);

public sealed record EtlOptions
{
    public required string AudioDir { get; init; }
    public required string OutDir { get; init; }
    public int Workers { get; init; } = Environment.ProcessorCount;
    /// <summary>Fit the scaler again over the whole catalogue even when OUT/scaler.json exists.</summary>
    public bool Refit { get; init; }
    public int StoreBatchSize { get; init; } = 256;
    public TimeSpan StoreMinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan StoreMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A batch not acknowledged within this time is sent again (upserts are idempotent).</summary>
    public TimeSpan StoreAckTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The run fails when the store has not accepted a batch for this long.</summary>
    public TimeSpan StoreGiveUpAfter { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Most work items the extraction keeps queued ahead of the workers (small records, not audio).</summary>
    public int MaxQueuedWork { get; init; } = 50_000;
    /// <summary>Where the features come from (<c>etl --features</c>).</summary>
    public FeatureSourceMode Features { get; init; } = FeatureSourceMode.Audio;
    /// <summary>FMA's features.csv; read in Auto mode when it exists, required in Csv mode.</summary>
    public string? FeaturesCsvPath { get; init; }
    /// <summary>Let one run take features from both audio and features.csv (their values differ; docs/feature-sources.md).</summary>
    public bool MixSources { get; init; }
    /// <summary>Number of documents read back from the store and shown after loading.</summary>
    public int SampleDocuments { get; init; } = 3;
    /// <summary>Called from the coordinator on every change; must be cheap and thread-safe.</summary>
    public Action<EtlProgress>? Progress { get; init; }

    public string FinalCsvPath => Path.Combine(OutDir, "final.csv");
    public string RejectsCsvPath => Path.Combine(OutDir, "rejects.csv");
    public string ScalerPath => Path.Combine(OutDir, StandardScaler.FileName);
    public string CheckpointPath => Path.Combine(OutDir, FeatureCheckpoint.RelativePath);
    public string RunTracksPath => Path.Combine(OutDir, ".work", "tracks.jsonl");
    public string FeaturesCsvBinPath => Path.Combine(OutDir, FeaturesCsvTable.RelativePath);
}

public enum EtlPhase { Features, Normalise, Write, ReadBack, Done }

/// <summary>A snapshot for the progress display. <see cref="ToCompute"/> is null until the catalogue is fully read.</summary>
public sealed record EtlProgress(
    EtlPhase Phase,
    int TracksSeen,
    int? ToCompute,
    int Computed,
    int FromCheckpoint,
    int Rejected,
    int DecodeRejected,
    int Written,
    TimeSpan Elapsed)
{
    /// <summary>Tracks whose features come from features.csv.</summary>
    public int FromFeaturesCsv { get; init; }

    /// <summary>Audio files finished in this run (features computed or audio rejected).</summary>
    public int FilesDone => Computed + DecodeRejected;

    /// <summary>Audio files finished per second in this run.</summary>
    public double FilesPerSecond => Elapsed.TotalSeconds > 0 ? FilesDone / Elapsed.TotalSeconds : 0;

    /// <summary>Time left for the feature phase at the current rate; null while unknown.</summary>
    public TimeSpan? Eta => ToCompute is { } total && FilesPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, total - FilesDone) / FilesPerSecond)
        : null;
}

public enum ScalerSource { Fitted, Loaded, None }

public sealed record EtlSummary(
    int Tracks,
    int Computed,
    int FromCheckpoint,
    int Rejected,
    int DecodeRejected,
    TimeSpan Elapsed,
    TimeSpan FeaturesElapsed,
    ScalerSource Scaler,
    long StoreCount,
    int StoreVerified,
    int MaxInFlight,
    IReadOnlyList<TrackDocument> Samples,
    string StoreDescription)
{
    /// <summary>Tracks written whose features came from audio (computed or from the checkpoint).</summary>
    public int FromAudio { get; init; }
    /// <summary>Tracks written whose features came from features.csv.</summary>
    public int FromFeaturesCsv { get; init; }
    /// <summary>The feature source the scaler was fitted on (audio, features.csv, mixed), or null without a scaler.</summary>
    public string? ScalerFeatureSource { get; init; }

    /// <summary>Audio files per second over the feature phase of this run (0 when nothing was decoded).</summary>
    public double FilesPerSecond => FeaturesElapsed.TotalSeconds > 0 ? (Computed + DecodeRejected) / FeaturesElapsed.TotalSeconds : 0;
}
