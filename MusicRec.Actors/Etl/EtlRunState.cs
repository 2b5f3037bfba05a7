using static MusicRec.Etl.EtlCoordinatorProtocol;

namespace MusicRec.Etl;

/// <summary>The counters of one run; changed only through <see cref="Apply"/>, a pure function of the event.</summary>
public sealed record EtlRunState(
    EtlPhase Phase,
    int TracksSeen,
    int? ToCompute,
    int Computed,
    int FromCheckpoint,
    int Rejected,
    int DecodeRejected,
    int Written,
    int MaxInFlight,
    bool CatalogueDone)
{
    public static readonly EtlRunState Initial = new(EtlPhase.Features, 0, null, 0, 0, 0, 0, 0, 0, false);

    /// <summary>Tracks whose features come from features.csv.</summary>
    public int FromFeaturesCsv { get; init; }

    /// <summary>Every track the catalogue sent to the workers has come back, as features or as a reject.</summary>
    public bool FeaturesDone => CatalogueDone && Computed + DecodeRejected >= ToCompute;

    public EtlRunState Apply(object evt) => evt switch
    {
        CatalogueProgress p => this with { TracksSeen = p.TracksSeen },
        CatalogueRead r => this with { TracksSeen = r.TracksSeen, ToCompute = r.QueuedForFeatures, CatalogueDone = true },
        TrackReused { Entry.IsReject: true } => this with { FromCheckpoint = FromCheckpoint + 1, Rejected = Rejected + 1 },
        TrackReused => this with { FromCheckpoint = FromCheckpoint + 1 },
        TrackRejected r => this with { Rejected = Rejected + 1, DecodeRejected = DecodeRejected + (r.FromAudio ? 1 : 0) },
        FeaturesComputed => this with { Computed = Computed + 1 },
        TrackFromCsv => this with { FromFeaturesCsv = FromFeaturesCsv + 1 },
        InFlightPeak p => this with { MaxInFlight = Math.Max(MaxInFlight, p.InFlight) },
        StoreWriterProtocol.BatchStored b => this with { Written = Written + b.Count },
        EtlPhase next => this with { Phase = next },
        _ => this,
    };

    public EtlProgress ToProgress(TimeSpan elapsed) =>
        new(Phase, TracksSeen, ToCompute, Computed, FromCheckpoint, Rejected, DecodeRejected, Written, elapsed) { FromFeaturesCsv = FromFeaturesCsv };
}
