using MusicRec.Catalog;

namespace MusicRec.Stores;

/// <summary>
/// What the store holds per track: the merged metadata plus the normalised features, with the original
/// design's field names (File_Name, MFCCs, Spectral_Centroid, Zero_Crossing_Rate, genre_id).
/// </summary>
public sealed record TrackDocument
{
    public required int TrackId { get; init; }
    public required TrackRecord Metadata { get; init; }
    /// <summary>Normalised MFCC means, 20 values (original design's <c>MFCCs</c>).</summary>
    public required double[] Mfccs { get; init; }
    /// <summary>Normalised spectral centroid mean (original design's <c>Spectral_Centroid</c>).</summary>
    public required double SpectralCentroid { get; init; }
    /// <summary>Normalised zero-crossing-rate mean (original design's <c>Zero_Crossing_Rate</c>).</summary>
    public required double ZeroCrossingRate { get; init; }
    /// <summary>
    /// Every normalised statistic in <see cref="Catalog.Features.FmaFeatureColumns.VectorOrder"/>: the 154
    /// <see cref="Dsp.AudioFeatures.ColumnNames"/> first, then, for a track from FMA's features.csv, its other 364.
    /// </summary>
    public required double[] Features { get; init; }
    /// <summary>Where the features came from: <c>audio</c> or <c>features.csv</c> (<see cref="Catalog.Features.FeatureSources"/>).</summary>
    public string FeatureSource { get; init; } = Catalog.Features.FeatureSources.Audio;
}

/// <summary>The catalogue store the actors write to and the recommender reads from.</summary>
public interface ITrackStore : IAsyncDisposable
{
    /// <summary>Human-readable description with any password masked.</summary>
    string Describe();
    /// <summary>Insert or replace by track id; re-running the same batch changes nothing.</summary>
    Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default);
    Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default);
    /// <summary>Streams every document in track id order, with only the named columns filled where the store can project.</summary>
    IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(IReadOnlyList<string> columns, CancellationToken ct = default);
    /// <summary>Streams every full document in track id order.</summary>
    IAsyncEnumerable<TrackDocument> StreamAllAsync(CancellationToken ct = default);
    Task<long> CountAsync(CancellationToken ct = default);
    /// <summary>Cheap reachability check for readiness probes.</summary>
    Task<bool> PingAsync(CancellationToken ct = default);
}
