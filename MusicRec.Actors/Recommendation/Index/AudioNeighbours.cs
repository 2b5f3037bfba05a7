namespace MusicRec.Recommendation;

/// <summary>
/// Each track's nearest tracks in the index's audio space, best first, found once for the whole catalogue. The blend's
/// audio source sums its anchors' lists, as co-listening sums its anchors' neighbours, instead of searching the graph
/// for every batch: with normalised vectors the sum of an anchor's similarities is the dot product with the weighted
/// taste, so the two rank alike wherever a candidate is near one of the anchors.
/// </summary>
public sealed class AudioNeighbours
{
    private readonly SimilarityIndex _index;
    private readonly ScoredTrack[] _lists;   // row r's list starts at r * PerTrack and holds _counts[r]
    private readonly int[] _counts;

    private AudioNeighbours(SimilarityIndex index, int perTrack, int searchBeam, ScoredTrack[] lists, int[] counts) =>
        (_index, PerTrack, SearchBeam, _lists, _counts) = (index, perTrack, searchBeam, lists, counts);

    public int PerTrack { get; }
    /// <summary>The HNSW beam the lists were searched with (an exact scan below the index's graph size).</summary>
    public int SearchBeam { get; }

    /// <summary>Searches every track's <paramref name="perTrack"/> nearest other tracks, on every core.</summary>
    public static AudioNeighbours Build(SimilarityIndex index, int perTrack, int searchBeam)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perTrack, 1);
        var k = Math.Min(perTrack, index.Count - 1);
        var lists = new ScoredTrack[index.Count * perTrack];
        var counts = new int[index.Count];
        if (k > 0)
            Parallel.For(0, index.Count, () => new ScoredTrack[k], (row, _, hits) =>
            {
                var id = index.Tracks[row].TrackId;
                var n = index.TopK(index.VectorOf(id), hits, other => other == id, Math.Max(searchBeam, k));
                hits.AsSpan(0, n).CopyTo(lists.AsSpan(row * perTrack));
                counts[row] = n;
                return hits;
            }, _ => { });
        return new AudioNeighbours(index, perTrack, searchBeam, lists, counts);
    }

    /// <summary>The track's nearest tracks, best first; empty for a track the index does not hold.</summary>
    public ReadOnlySpan<ScoredTrack> Of(int trackId) =>
        _index.RowOf(trackId) is var row and >= 0 ? _lists.AsSpan(row * PerTrack, _counts[row]) : [];
}
