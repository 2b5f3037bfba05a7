using System.Runtime.CompilerServices;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Catalog.Features;

/// <summary>Which catalogue columns the recommender's similarity index is built on (HOCON <c>musicrec.recommender.feature-columns</c>).</summary>
public enum FeatureColumnSet
{
    /// <summary>The 154 MFCC, spectral-centroid and ZCR statistics every track has (from audio or features.csv).</summary>
    Default,
    /// <summary>All 518 statistics of FMA's features.csv; only tracks whose features came from it (with all 518).</summary>
    Full,
    /// <summary>echonest.csv's 8 audio features (z-scored over the catalogue); only tracks echonest.csv has.</summary>
    Echonest,
}

/// <summary>Selects each document's vector for the chosen <see cref="FeatureColumnSet"/>; tracks without it are left out.</summary>
public static class FeatureColumnSets
{
    public static FeatureColumnSet Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "default" or "mfcc-centroid-zcr" => FeatureColumnSet.Default,
        "full" => FeatureColumnSet.Full,
        "echonest" => FeatureColumnSet.Echonest,
        _ => throw new ArgumentException($"feature-columns must be default, full or echonest (got '{text}')"),
    };

    /// <summary>Length of the vector the index reads.</summary>
    public static int Width(FeatureColumnSet set) => set switch
    {
        FeatureColumnSet.Full => FmaFeatureColumns.Count,
        FeatureColumnSet.Echonest => TrackDocumentColumns.EchonestColumns.Count,
        _ => AudioFeatures.ColumnNames.Count,
    };

    /// <summary>The documents unchanged, counting them by <see cref="TrackDocument.FeatureSource"/> into <paramref name="counts"/>.</summary>
    public static async IAsyncEnumerable<TrackDocument> CountSourcesAsync(IAsyncEnumerable<TrackDocument> documents,
        Dictionary<string, int> counts, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var d in documents.WithCancellation(ct))
        {
            counts[d.FeatureSource] = counts.GetValueOrDefault(d.FeatureSource) + 1;
            yield return d;
        }
    }

    /// <summary>A warning when one index would hold tracks of both feature sources (their values differ), else null.</summary>
    public static string? MixedSourcesWarning(IReadOnlyDictionary<string, int> counts) =>
        counts.GetValueOrDefault(FeatureSources.Audio) is var audio and > 0 && counts.GetValueOrDefault(FeatureSources.FeaturesCsv) is var csv and > 0
            ? $"the catalogue mixes {audio} tracks with features from audio and {csv} from features.csv; their values differ " +
              "(docs/feature-sources.md), so the index compares unlike numbers: load the store from one source"
            : null;

    /// <summary>
    /// The documents with <see cref="TrackDocument.Features"/> replaced by the set's vector; a document without it
    /// is passed to <paramref name="left"/> and not yielded. Echonest values are on different scales (tempo in BPM,
    /// the rest 0..1), so they are z-scored over the tracks that have them: that needs one pass first, over 8
    /// numbers a track (the documents of those tracks are held until then).
    /// </summary>
    public static async IAsyncEnumerable<TrackDocument> SelectAsync(IAsyncEnumerable<TrackDocument> documents, FeatureColumnSet set,
        Action<int, string>? left = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (set == FeatureColumnSet.Default)
        {
            await foreach (var d in documents.WithCancellation(ct)) yield return d;
            yield break;
        }
        if (set == FeatureColumnSet.Full)
        {
            await foreach (var d in documents.WithCancellation(ct))
            {
                if (d.Features.Length >= FmaFeatureColumns.Count) yield return d;
                else left?.Invoke(d.TrackId, $"has {d.Features.Length} statistics, not features.csv's 518 (features from {d.FeatureSource})");
            }
            yield break;
        }
        var names = TrackDocumentColumns.EchonestColumns;
        var kept = new List<(TrackDocument Doc, double[] Values)>();
        await foreach (var d in documents.WithCancellation(ct))
        {
            var values = new double[names.Count];
            var all = true;
            for (var i = 0; i < names.Count && all; i++)
                all = d.Metadata.Echonest.TryGetValue(names[i], out values[i]) && double.IsFinite(values[i]);
            if (all) kept.Add((d, values));
            else left?.Invoke(d.TrackId, "no echonest audio features");
        }
        var mean = new double[names.Count];
        var std = new double[names.Count];
        foreach (var (_, v) in kept) for (var i = 0; i < v.Length; i++) mean[i] += v[i] / kept.Count;
        foreach (var (_, v) in kept) for (var i = 0; i < v.Length; i++) std[i] += (v[i] - mean[i]) * (v[i] - mean[i]) / kept.Count;
        for (var i = 0; i < std.Length; i++) std[i] = std[i] > 1e-24 ? Math.Sqrt(std[i]) : 1;
        foreach (var (d, v) in kept)
        {
            for (var i = 0; i < v.Length; i++) v[i] = (v[i] - mean[i]) / std[i];
            yield return d with { Features = v };
        }
    }
}
