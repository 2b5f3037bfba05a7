using Akka.Actor;

namespace MusicRec.Etl;

/// <summary>Where one good track's raw feature vector is: a line of the audio checkpoint or a record of features-csv.bin.</summary>
public readonly record struct RawRef(LineRef Line, bool FromCsv);

/// <summary>Reads raw feature vectors from the audio checkpoint and the run's features-csv.bin.</summary>
public sealed class RawFeatureReader(string checkpointPath, string? csvBinPath) : IDisposable
{
    private LineReader? _checkpoint;
    private LineReader? _csv;

    public double[] Read(RawRef r) => r.FromCsv
        ? FeaturesCsvTable.ParseRaw((_csv ??= new LineReader(csvBinPath ?? throw new InvalidOperationException("no features.csv in this run"))).Read(r.Line))
        : FeatureCheckpoint.ParseRaw((_checkpoint ??= new LineReader(checkpointPath)).Read(r.Line));

    public void Dispose()
    {
        _checkpoint?.Dispose();
        _csv?.Dispose();
    }
}

public static class NormaliserProtocol
{
    /// <summary>
    /// Fit (or load) the scaler; the refs locate the raw feature vectors of every good track, in track_id order.
    /// <paramref name="Source"/> is the run's feature source (audio, features.csv or mixed).
    /// </summary>
    public sealed record Prepare(IReadOnlyList<RawRef> RawFeatures, string Source = Catalog.Features.FeatureSources.Audio);

    /// <summary><see cref="Scaler"/> is null only when there is no saved scaler and no good track to fit one on.</summary>
    public sealed record ScalerReady(StandardScaler? Scaler, ScalerSource Source);
}

/// <summary>
/// Owns OUT/scaler.json. Normalisation needs statistics over the whole catalogue, so it runs once every track's
/// raw features are checkpointed: it loads the saved scaler (tracks added later are scaled like the ones already
/// stored) or, on the first run or with --refit, fits one with Welford's method in track_id order (so the
/// scaler, and therefore final.csv, is the same bytes on every run) and saves it. A saved scaler fitted on another
/// feature source, or on fewer columns than this run has, is refused (--refit fits a new one).
/// </summary>
public sealed class Normaliser : ReceiveActor
{
    public Normaliser(string scalerPath, bool refit, string checkpointPath, string? csvBinPath = null)
    {
        Receive<NormaliserProtocol.Prepare>(p => Sender.Tell(Prepare(scalerPath, refit, checkpointPath, csvBinPath, p.RawFeatures, p.Source)));
    }

    public static Props Props(string scalerPath, bool refit, string checkpointPath, string? csvBinPath = null) =>
        Akka.Actor.Props.Create(() => new Normaliser(scalerPath, refit, checkpointPath, csvBinPath));

    /// <exception cref="InvalidDataException">the saved scaler does not fit this run's features.</exception>
    public static NormaliserProtocol.ScalerReady Prepare(string scalerPath, bool refit, string checkpointPath, string? csvBinPath,
        IReadOnlyList<RawRef> raw, string source)
    {
        if (!refit && File.Exists(scalerPath))
        {
            var saved = StandardScaler.Load(scalerPath);
            if (raw.Count > 0 && saved.Source != source)
                throw new InvalidDataException($"{scalerPath} was fitted on features from {saved.Source}, but this run's come from {source}; " +
                                               "the two sources' values differ (docs/feature-sources.md): run with --refit to fit a new scaler");
            // The widest vector this run has: a features.csv record holds 154 or 518 doubles, an audio line 154.
            var needed = raw.Count == 0 ? 0 : raw.Max(r => r.FromCsv ? r.Line.Length / sizeof(double) : Dsp.AudioFeatures.ColumnNames.Count);
            if (saved.Columns.Count < needed)
                throw new InvalidDataException($"{scalerPath} covers {saved.Columns.Count} feature columns, this run has {needed}; run with --refit");
            return new NormaliserProtocol.ScalerReady(saved, ScalerSource.Loaded);
        }
        // A scaler fitted on nothing would be saved as an identity and then silently reused by the next run.
        if (raw.Count == 0) return new NormaliserProtocol.ScalerReady(null, ScalerSource.None);
        var stats = new RunningStats(Catalog.Features.FmaFeatureColumns.Count);
        using (var reader = new RawFeatureReader(checkpointPath, csvBinPath))
            foreach (var r in raw) stats.Add(reader.Read(r));
        var scaler = StandardScaler.Fit(stats, source);
        scaler.Save(scalerPath);
        return new NormaliserProtocol.ScalerReady(scaler, ScalerSource.Fitted);
    }
}
