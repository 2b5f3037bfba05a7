using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using Stopwatch = System.Diagnostics.Stopwatch;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MusicRec.Contracts;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Web;

namespace MusicRec.Benchmarks.Web;

/// <summary>
/// Many open pages at once: N concurrent Server-Sent-Event clients (HttpClient streaming reads, 127.0.0.1 only)
/// spread over U users; each round publishes one new batch per user into the feed, and every client must
/// receive each of its user's batches. Latency = feed publish to the client having parsed the event.
/// Options: --clients 500 --users 50 --batches 20 --interval-ms 100.
/// </summary>
public sealed class WebSseBenchmark : IBenchmark
{
    public string Name => "web-sse";
    public bool MeasuresTheService => true;
    public string Description => "500 concurrent SSE clients on loopback receive each new batch; p99 delivery latency < 200 ms";

    public async Task<bool> RunAsync(string[] options)
    {
        var clients = BenchmarkOptions.Int(options, "--clients", 500, positive: true);
        var users = Math.Clamp(BenchmarkOptions.Int(options, "--users", 50, positive: true), 1, clients);
        var batches = BenchmarkOptions.Int(options, "--batches", 20, positive: true);
        var interval = TimeSpan.FromMilliseconds(BenchmarkOptions.Int(options, "--interval-ms", 100, positive: true));
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3)); // the whole run is bounded

        var feed = new BenchFeed();
        await using var app = MusicRecWebHost.Create(
            new WebOptions { Url = "http://127.0.0.1:0", MaxStreams = clients + 16, BatchesPerUser = 10 }, builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton<IRecommendationFeed>(feed);
                builder.Services.AddSingleton<IActivityPublisher>(new DiscardingPublisher());
                builder.Services.AddSingleton<ITrackStore>(new InMemoryTrackStore());
            });
        await app.StartAsync(deadline.Token);
        var address = MusicRecWebHost.BoundAddress(app);
        if (!IPAddress.IsLoopback(IPAddress.Parse(address.Host)))
            throw new InvalidOperationException($"benchmark host must be on loopback, got {address}");
        var board = app.Services.GetRequiredService<BatchBoard>();

        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients + 16,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        })
        { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };

        var published = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var connect = Stopwatch.StartNew();
        var readers = Enumerable.Range(0, clients)
            .Select(i => ReadClientAsync(http, $"bench{i % users}", batches, published, deadline.Token))
            .ToList();
        while (board.SubscriberCount < clients)
        {
            if (deadline.IsCancellationRequested || readers.Any(r => r.IsFaulted))
            {
                var fault = readers.FirstOrDefault(r => r.IsFaulted)?.Exception?.GetBaseException().Message ?? "timed out";
                Console.WriteLine($"  only {board.SubscriberCount} of {clients} clients connected: {fault}");
                return false;
            }
            await Task.Delay(20);
        }
        connect.Stop();

        // One warm-up round (not measured: the clients ignore ids they were not told about) so JIT and first-use
        // costs do not count as delivery latency.
        for (var u = 0; u < users; u++)
            feed.Publish(new RecommendationBatch($"bench{u}-warmup", $"bench{u}", DateTimeOffset.UtcNow, Tracks(0)));
        await Task.Delay(TimeSpan.FromMilliseconds(500), deadline.Token);

        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        for (var round = 1; round <= batches; round++)
        {
            for (var u = 0; u < users; u++)
            {
                var user = $"bench{u}";
                var id = $"{user}-{round}";
                published[id] = Stopwatch.GetTimestamp();
                feed.Publish(new RecommendationBatch(id, user, DateTimeOffset.UtcNow, Tracks(round)));
            }
            await Task.Delay(interval, deadline.Token);
        }

        var all = Task.WhenAll(readers);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30), deadline.Token).ContinueWith(_ => { }));
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        await deadline.CancelAsync(); // stop any reader that is still waiting
        var results = readers.Where(r => r.IsCompletedSuccessfully).Select(r => r.Result).ToList();
        var latencies = results.SelectMany(r => r.LatenciesMs).Order().ToArray();
        var expected = (long)clients * batches;
        var delivered = latencies.Length;
        var duplicates = results.Sum(r => r.Duplicates);

        BenchmarkReport.Info("setup", $"{clients} clients over {users} users, 1 warm-up + {batches} measured rounds of {users} batches every {interval.TotalMilliseconds:0} ms, host {address}");
        BenchmarkReport.Info("all clients connected in", $"{connect.Elapsed.TotalMilliseconds:0} ms");
        if (delivered > 0)
            BenchmarkReport.Info("latency", $"p50 {Percentile(latencies, 0.50):0.0} ms, p90 {Percentile(latencies, 0.90):0.0} ms, max {latencies[^1]:0.0} ms");
        BenchmarkReport.Info("CPU time (server and clients, one process)", $"{cpu.TotalMilliseconds:0} ms for {delivered} deliveries = {cpu.TotalMilliseconds * 1000 / Math.Max(1, delivered):0} µs each; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        var perRound = results.SelectMany(r => r.LatenciesMs.Zip(r.Rounds)).GroupBy(x => x.Item2).OrderBy(g => g.Key)
            .Select(g => $"{g.Max(x => x.Item1):0}").ToList();
        BenchmarkReport.Info("slowest delivery per round (ms)", string.Join(" ", perRound));
        BenchmarkReport.Info("peak working set", $"{BenchmarkReport.PeakWorkingSetBytes() / (1024 * 1024)} MiB");
        var okDelivered = BenchmarkReport.Figure("batches delivered", 100.0 * delivered / expected, "%", 100, lowerIsBetter: false);
        var okDuplicates = BenchmarkReport.Figure("repeated deliveries", duplicates, "events", 0, lowerIsBetter: true);
        var okLatency = delivered > 0 && BenchmarkReport.Figure("p99 delivery latency", Percentile(latencies, 0.99), "ms", 200, lowerIsBetter: true);
        return okDelivered && okDuplicates && okLatency;
    }

    private sealed record ClientResult(List<double> LatenciesMs, List<int> Rounds, int Duplicates);

    private static async Task<ClientResult> ReadClientAsync(HttpClient http, string user, int expected,
        ConcurrentDictionary<string, long> published, CancellationToken ct)
    {
        var latencies = new List<double>(expected);
        var rounds = new List<int>(expected);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = 0;
        using var response = await http.GetAsync($"/api/stream/{user}", HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        // A lean reader (pipe + byte scan, only the "id: " lines decoded) so the clients, which share the process
        // with the server, take as little CPU from it as they can.
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(ct));
        while (latencies.Count < expected)
        {
            var result = await reader.ReadAsync(ct);
            var now = Stopwatch.GetTimestamp();
            var buffer = result.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                buffer = buffer.Slice(buffer.GetPosition(1, end));
                if (line.Length < 4 || line.FirstSpan.Length > 0 && line.FirstSpan[0] != (byte)'i') continue;
                var text = Encoding.ASCII.GetString(line);
                if (!text.StartsWith("id: ", StringComparison.Ordinal)) continue;
                var id = text[4..];
                if (!published.TryGetValue(id, out var sent)) continue; // not one of this run's batches
                if (!seen.Add(id)) { duplicates++; continue; }
                latencies.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
                rounds.Add(int.Parse(id.AsSpan(id.LastIndexOf('-') + 1)));
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) break;
        }
        await reader.CompleteAsync();
        return new ClientResult(latencies, rounds, duplicates);
    }

    private static IReadOnlyList<RecommendedTrack> Tracks(int round) =>
        Enumerable.Range(0, 3).Select(k => new RecommendedTrack(round * 3 + k, $"Track {round * 3 + k}", "Bench Artist", "Rock",
            0.9 - k * 0.1, "close in timbre to a track you liked")).ToList();

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class BenchFeed : IRecommendationFeed
    {
        private readonly Channel<RecommendationBatch> _channel = Channel.CreateUnbounded<RecommendationBatch>();
        public void Publish(RecommendationBatch batch) => _channel.Writer.TryWrite(batch);

        public async IAsyncEnumerable<RecommendationBatch> ReadAsync([EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var b in _channel.Reader.ReadAllAsync(ct)) yield return b;
        }
    }

    private sealed class DiscardingPublisher : IActivityPublisher
    {
        public Task PublishAsync(ActivityEvent activity, CancellationToken ct = default) => Task.CompletedTask;
    }
}
