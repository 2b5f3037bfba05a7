using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// A small catalogue written to a SQLite store for the service nodes: tracks in eight genres whose
/// normalised features cluster by genre, so the recommender's index has something real to rank.
/// </summary>
internal static class TestCatalogue
{
    public static readonly string[] Genres = ["Rock", "Electronic", "Hip-Hop", "Folk", "Jazz", "Classical", "Pop", "Experimental"];

    public static async Task<IReadOnlyList<int>> WriteSqliteAsync(string path, int tracks, int seed = 7)
    {
        var rng = new Random(seed);
        var dims = AudioFeatures.ColumnNames.Count;
        var centroids = Genres.Select(_ => Enumerable.Range(0, dims).Select(_ => rng.NextDouble() * 2 - 1).ToArray()).ToArray();
        var docs = new List<TrackDocument>();
        for (var i = 0; i < tracks; i++)
        {
            var id = 1000 + i;
            var g = i % Genres.Length;
            var features = centroids[g].Select(c => c + (rng.NextDouble() - 0.5) * 0.6).ToArray();
            docs.Add(new TrackDocument
            {
                TrackId = id,
                Metadata = new TrackRecord
                {
                    TrackId = id, Title = $"Track {id}", ArtistName = $"Artist {i % 37}", GenreId = g + 1,
                    GenreTop = Genres[g], Genres = [g + 1], GenresAll = [g + 1], FileName = $"{id / 1000:000}/{id:000000}.wav",
                },
                Mfccs = features[..20],
                SpectralCentroid = features[140],
                ZeroCrossingRate = features[147],
                Features = features,
            });
        }
        await using var store = TrackStoreFactory.Open($"sqlite:{path}");
        await store.UpsertAsync(docs);
        return docs.Select(d => d.TrackId).ToList();
    }
}
