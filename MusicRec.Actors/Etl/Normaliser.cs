using Akka.Actor;

namespace MusicRec.Etl;

public static class NormaliserProtocol
{
    /// <summary>Fit (or load) the scaler; the lines are the raw feature vectors of every good track, in track_id order.</summary>
    public sealed record Prepare(IReadOnlyList<LineRef> RawFeatures);

    /// <summary><see cref="Scaler"/> is null only when there is no saved scaler and no good track to fit one on.</summary>
    public sealed record ScalerReady(StandardScaler? Scaler, ScalerSource Source);
}

/// <summary>
/// Owns OUT/scaler.json. Normalisation needs statistics over the whole catalogue, so it runs once every track's
/// raw features are checkpointed: it loads the saved scaler (tracks added later are scaled like the ones already
/// stored) or, on the first run or with --refit, fits one with Welford's method in track_id order (so the
/// scaler, and therefore final.csv, is the same bytes on every run) and saves it.
/// </summary>
public sealed class Normaliser : ReceiveActor
{
    public Normaliser(string scalerPath, bool refit, string checkpointPath)
    {
        Receive<NormaliserProtocol.Prepare>(p => Sender.Tell(Prepare(scalerPath, refit, checkpointPath, p.RawFeatures)));
    }

    public static Props Props(string scalerPath, bool refit, string checkpointPath) =>
        Akka.Actor.Props.Create(() => new Normaliser(scalerPath, refit, checkpointPath));

    public static NormaliserProtocol.ScalerReady Prepare(string scalerPath, bool refit, string checkpointPath, IReadOnlyList<LineRef> raw)
    {
        if (!refit && File.Exists(scalerPath))
            return new NormaliserProtocol.ScalerReady(StandardScaler.Load(scalerPath), ScalerSource.Loaded);
        // A scaler fitted on nothing would be saved as an identity and then silently reused by the next run.
        if (raw.Count == 0) return new NormaliserProtocol.ScalerReady(null, ScalerSource.None);
        var stats = new RunningStats(Dsp.AudioFeatures.ColumnNames.Count);
        using (var reader = new LineReader(checkpointPath))
            foreach (var line in raw) stats.Add(FeatureCheckpoint.ParseRaw(reader.Read(line)));
        var scaler = StandardScaler.Fit(stats);
        scaler.Save(scalerPath);
        return new NormaliserProtocol.ScalerReady(scaler, ScalerSource.Fitted);
    }
}
