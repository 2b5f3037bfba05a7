using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Etl;

/// <summary>Builds the stored document from a track's metadata and its normalised feature vector.</summary>
public static class TrackDocuments
{
    private static readonly int MfccMean01 = Index("mfcc_mean_01");
    private static readonly int CentroidMean = Index("spectral_centroid_mean_01");
    private static readonly int ZcrMean = Index("zcr_mean_01");

    public static TrackDocument Create(TrackRecord track, double[] normalised, string featureSource = Catalog.Features.FeatureSources.Audio) => new()
    {
        FeatureSource = featureSource,
        TrackId = track.TrackId,
        Metadata = track,
        Mfccs = normalised.AsSpan(MfccMean01, 20).ToArray(),
        SpectralCentroid = normalised[CentroidMean],
        ZeroCrossingRate = normalised[ZcrMean],
        Features = normalised,
    };

    private static int Index(string column)
    {
        for (var i = 0; i < AudioFeatures.ColumnNames.Count; i++)
            if (AudioFeatures.ColumnNames[i] == column) return i;
        throw new InvalidOperationException($"feature column {column} is missing");
    }
}
