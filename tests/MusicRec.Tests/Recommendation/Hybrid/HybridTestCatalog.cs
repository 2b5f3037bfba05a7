using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Tests.Recommendation.Hybrid;

/// <summary>A small catalogue for the hybrid tests: ids 1..N, genres dealt in turn, an artist per two tracks unless said.</summary>
internal static class HybridTestCatalog
{
    public static readonly string[] Genres = ["Rock", "Folk", "Jazz", "Pop"];

    public static TrackCatalog Create(int tracks, Func<int, string>? artistOf = null) =>
        new(Enumerable.Range(1, tracks).Select(id =>
            new TrackInfo(id, $"Song {id}", artistOf?.Invoke(id) ?? $"Artist {(id + 1) / 2}", Genres[(id - 1) % Genres.Length], (id - 1) % Genres.Length + 1)));

    public static RecommendationContext Context(string user, IEnumerable<HistoryEntry> newestFirst, int count = 3, int seed = 1)
    {
        var history = newestFirst.ToList();
        var heard = history.Select(h => h.TrackId).ToHashSet();
        return new RecommendationContext(user, history, heard.Contains) { Count = count, Seed = seed };
    }

    public static HistoryEntry Item(int track, string action) => new(track, action);
}
