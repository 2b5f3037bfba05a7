using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Recommendation;
using MusicRec.Stores;

namespace MusicRec.Tests.Recommendation;

/// <summary>
/// A catalogue whose genres are clusters in feature space: each genre has a random centre, each track is its centre
/// plus independent noise on every one of the 154 features (like z-scored statistics). Deterministic per seed.
/// </summary>
public static class SyntheticCatalogue
{
    public static readonly string[] Genres =
        ["Electronic", "Experimental", "Folk", "Hip-Hop", "Instrumental", "International", "Pop", "Rock"];

    public static List<TrackDocument> Create(int tracksPerGenre, int seed = 1, double spread = 0.6, double noise = 1.0, int genres = 8)
    {
        var random = new Random(seed);
        var dims = AudioFeatures.ColumnNames.Count;
        var centres = Enumerable.Range(0, genres).Select(_ => Enumerable.Range(0, dims).Select(_ => Gaussian(random) * spread).ToArray()).ToArray();
        var docs = new List<TrackDocument>();
        var id = 2;
        for (var t = 0; t < tracksPerGenre; t++)
            for (var g = 0; g < genres; g++)
            {
                var features = centres[g].Select(c => c + Gaussian(random) * noise).ToArray();
                docs.Add(Document(id, $"Song {id}", $"Artist {id % 37}", Genres[g], g + 1, features));
                id += random.Next(1, 4);
            }
        return docs;
    }

    public static TrackDocument Document(int id, string title, string artist, string genre, int? genreId, double[] features) => new()
    {
        TrackId = id,
        Metadata = new TrackRecord { TrackId = id, Title = title, ArtistName = artist, GenreTop = genre, GenreId = genreId },
        Mfccs = features.Take(20).ToArray(),
        SpectralCentroid = features.Length > 140 ? features[140] : 0,
        ZeroCrossingRate = features.Length > 147 ? features[147] : 0,
        Features = features,
    };

    public static SimilarityIndex Index(int tracksPerGenre = 30, int seed = 1, int dimensions = 32) =>
        SimilarityIndex.Build(Create(tracksPerGenre, seed), new SimilarityIndexOptions { Dimensions = dimensions });

    public static double Gaussian(Random r)
    {
        var u1 = 1.0 - r.NextDouble();
        var u2 = r.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
