using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Contracts;
using MusicRec.Streaming;

namespace MusicRec.Web;

/// <summary>
/// Reads <see cref="IRecommendationFeed"/> into the <see cref="BatchBoard"/> for as long as the host runs.
/// A failing feed is re-read after a growing pause (0.5 s up to 10 s); malformed batches are skipped with a
/// warning, because one bad message must not stop the page for everybody.
/// </summary>
public sealed class RecommendationFeedReader(IRecommendationFeed feed, BatchBoard board, ILogger<RecommendationFeedReader> log)
    : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private volatile FeedState _state = FeedState.Starting;

    public enum FeedState { Starting, Reading, Failing, Stopped }

    /// <summary>For readiness: Reading once the feed is being read without error.</summary>
    public FeedState State => _state;
    public long SkippedCount => Interlocked.Read(ref _skipped);
    private long _skipped;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _state = FeedState.Reading;
                await foreach (var batch in feed.ReadAsync(stoppingToken))
                {
                    _state = FeedState.Reading;
                    backoff = FirstBackoff;
                    if (Problem(batch) is { } problem)
                    {
                        Interlocked.Increment(ref _skipped);
                        log.LogWarning("Skipped a recommendation batch: {Problem}", problem);
                        continue;
                    }
                    board.Add(batch);
                }
                if (stoppingToken.IsCancellationRequested) break;
                // A feed that ends by itself has nothing more now; read it again after a pause.
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _state = FeedState.Failing;
                log.LogError("Reading recommendation batches failed ({Error}); retrying in {Backoff}", e.Message, backoff);
                try { await Task.Delay(backoff, stoppingToken); }
                catch (OperationCanceledException) { break; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
        _state = FeedState.Stopped;
    }

    /// <summary>Why a batch cannot be shown, or null when it can.</summary>
    internal static string? Problem(RecommendationBatch? batch)
    {
        if (batch is null) return "empty message";
        if (!UserIds.IsValid(batch.UserId)) return "user id does not match " + UserIds.Pattern;
        if (string.IsNullOrWhiteSpace(batch.BatchId) || batch.BatchId.Length > 200 || batch.BatchId.Any(char.IsControl))
            return $"batch for user {batch.UserId} has no usable batch_id";
        if (batch.Tracks is null || batch.Tracks.Count == 0 || batch.Tracks.Any(t => t is null))
            return $"batch {batch.BatchId} has no tracks";
        return null;
    }
}
