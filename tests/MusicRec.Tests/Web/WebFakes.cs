using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MusicRec.Catalog;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Web;

namespace MusicRec.Tests.Web;

/// <summary>A recommendation feed the test writes into.</summary>
internal sealed class ChannelFeed : IRecommendationFeed
{
    private readonly Channel<RecommendationBatch> _channel = Channel.CreateUnbounded<RecommendationBatch>();
    private int _failuresLeft;

    public ChannelFeed(int failFirstReads = 0) => _failuresLeft = failFirstReads;

    public int Reads;

    public void Publish(RecommendationBatch batch) => _channel.Writer.TryWrite(batch);

    public async IAsyncEnumerable<RecommendationBatch> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        Interlocked.Increment(ref Reads);
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            throw new InvalidOperationException("broker unreachable (test)");
        await foreach (var b in _channel.Reader.ReadAllAsync(ct)) yield return b;
    }
}

/// <summary>Records what the web host publishes; can be told to fail.</summary>
internal sealed class RecordingPublisher : IActivityPublisher
{
    public ConcurrentQueue<ActivityEvent> Published { get; } = new();
    public Exception? FailWith { get; set; }

    public Task PublishAsync(ActivityEvent activity, CancellationToken ct = default)
    {
        if (FailWith is not null) throw FailWith;
        Published.Enqueue(activity);
        return Task.CompletedTask;
    }
}

/// <summary>A store that fails every call with a message holding a secret, to prove it never reaches a client.</summary>
internal sealed class BrokenStore : ITrackStore
{
    public const string Secret = "Password=hunter2;Host=db.internal";
    private static Exception Boom() => new InvalidOperationException($"connection failed: {Secret}");
    public string Describe() => "broken";
    public Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default) => throw Boom();
    public Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default) => throw Boom();
    public IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(IReadOnlyList<string> columns, CancellationToken ct = default) => throw Boom();
    public IAsyncEnumerable<TrackDocument> StreamAllAsync(CancellationToken ct = default) => throw Boom();
    public Task<long> CountAsync(CancellationToken ct = default) => throw Boom();
    public Task<bool> PingAsync(CancellationToken ct = default) => throw Boom();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

internal static class WebSamples
{
    public static TrackDocument Track(int id, string title, string genre = "Rock") => new()
    {
        TrackId = id,
        Metadata = new TrackRecord { TrackId = id, Title = title, ArtistName = $"Artist {id}", GenreTop = genre, AlbumTitle = "Album" },
        Mfccs = Enumerable.Range(0, 20).Select(i => (i - 10) / 5.0 + id * 0.01).ToArray(),
        SpectralCentroid = 0.1,
        ZeroCrossingRate = 0.2,
        Features = new double[154],
    };

    public static RecommendationBatch Batch(string user, int sequence, int firstTrack = 1) => new(
        $"{user}-{sequence}", user, DateTimeOffset.UtcNow,
        Enumerable.Range(firstTrack, 3).Select(t => new RecommendedTrack(t, $"Title {t}", $"Artist {t}", "Rock", 0.9 - t * 0.01, $"because {t}")).ToList());
}

/// <summary>The real web wiring on the ASP.NET Core test server, with fakes behind the three interfaces.</summary>
internal sealed class WebTestHost : IAsyncDisposable
{
    public required WebApplication App { get; init; }
    public required HttpClient Client { get; init; }
    public required ChannelFeed Feed { get; init; }
    public required RecordingPublisher Publisher { get; init; }
    public BatchBoard Board => App.Services.GetRequiredService<BatchBoard>();

    public static async Task<WebTestHost> StartAsync(WebOptions? options = null, ITrackStore? store = null, ChannelFeed? feed = null,
        MusicRec.Web.Security.ApiKey? apiKey = null, Action<WebApplication>? mapMore = null, Action<IServiceCollection>? services = null)
    {
        // Development on purpose: even there no stack trace may reach a client.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        feed ??= new ChannelFeed();
        var publisher = new RecordingPublisher();
        builder.Services.AddSingleton<IRecommendationFeed>(feed);
        builder.Services.AddSingleton<IActivityPublisher>(publisher);
        builder.Services.AddSingleton(store ?? new InMemoryTrackStore([
            WebSamples.Track(1, "First"), WebSamples.Track(2, "<script>alert(1)</script>", "Electronic"), WebSamples.Track(3, "Third")]));
        builder.Services.AddMusicRecWeb(options ?? new WebOptions());
        if (apiKey is not null) builder.Services.AddSingleton(apiKey);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        MusicRec.Web.Security.ApiKeyGate.UseMusicRecApiKey(app);
        app.MapMusicRecWeb();
        mapMore?.Invoke(app);
        await app.StartAsync();
        return new WebTestHost { App = app, Client = app.GetTestClient(), Feed = feed, Publisher = publisher };
    }

    /// <summary>Publishes through the feed and waits until the board has taken it.</summary>
    public async Task PublishAndWaitAsync(params RecommendationBatch[] batches)
    {
        var before = Board.AcceptedCount + Board.DuplicateCount;
        foreach (var b in batches) Feed.Publish(b);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Board.AcceptedCount + Board.DuplicateCount < before + batches.Length)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the feed reader did not take the batches within 5 s");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
