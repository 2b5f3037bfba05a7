using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MusicRec.Catalog;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;

namespace MusicRec.IntegrationTests.Browser;

/// <summary>
/// Stands in for the recommender in browser tests: every published activity yields the user's next batch of
/// three, deterministically (batch n holds catalogue positions 3(n-1) .. 3(n-1)+2, wrapping around).
/// </summary>
internal sealed class FakeRecommender(IReadOnlyList<TrackDocument> catalogue) : IActivityPublisher, IRecommendationFeed
{
    private readonly Channel<RecommendationBatch> _batches = Channel.CreateUnbounded<RecommendationBatch>();
    private readonly ConcurrentDictionary<string, int> _sequence = new();

    public ConcurrentQueue<ActivityEvent> Received { get; } = new();

    public Task PublishAsync(ActivityEvent activity, CancellationToken ct = default)
    {
        Received.Enqueue(activity);
        var n = _sequence.AddOrUpdate(activity.UserId, 1, (_, s) => s + 1);
        var tracks = Enumerable.Range(0, 3).Select(k =>
        {
            var d = catalogue[((n - 1) * 3 + k) % catalogue.Count];
            return new RecommendedTrack(d.TrackId, d.Metadata.Title, d.Metadata.ArtistName, d.Metadata.GenreTop,
                Math.Round(0.95 - k * 0.05, 2), $"because you chose to {activity.Action} track {activity.TrackId}");
        }).ToList();
        _batches.Writer.TryWrite(new RecommendationBatch($"{activity.UserId}-{n}", activity.UserId, DateTimeOffset.UtcNow, tracks));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<RecommendationBatch> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var b in _batches.Reader.ReadAllAsync(ct)) yield return b;
    }

    /// <summary>Nine tracks; two carry markup in their texts, as real FMA titles sometimes do.</summary>
    public static IReadOnlyList<TrackDocument> Catalogue() =>
    [
        Track(1, "Food", "AWOL", "Hip-Hop"),
        Track(2, "<script>alert(1)</script>", "Markup & Co", "Electronic"),
        Track(3, "Rock & Roll \"live\"", "<img src=x onerror=alert(2)>", "Rock"),
        Track(4, "Electric Ave", "AWOL", "Hip-Hop"),
        Track(5, "This World", "Kurt Vile", "Rock"),
        Track(6, "Spiritual Level", "Nicky Cook", "Pop"),
        Track(7, "Freeway", "Kurt Vile", "Rock"),
        Track(8, "Queen Of The Wires", "Alec K. Redfearn", "Folk"),
        Track(9, "Ohio", "Ed Askew", "Folk"),
    ];

    private static TrackDocument Track(int id, string title, string artist, string genre) => new()
    {
        TrackId = id,
        Metadata = new TrackRecord { TrackId = id, Title = title, ArtistName = artist, GenreTop = genre, AlbumTitle = "Sample" },
        Mfccs = Enumerable.Range(0, 20).Select(i => Math.Sin(i * 0.7 + id) * (i == 0 ? 2.5 : 1.0)).ToArray(),
        SpectralCentroid = 0,
        ZeroCrossingRate = 0,
        Features = new double[154],
    };
}
