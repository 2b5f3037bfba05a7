using MongoDB.Driver;

namespace MusicRec.Stores;

/// <summary>
/// Retries an idempotent MongoDB operation on transient failures (connection lost, timeouts, primary stepping
/// down, retryable write errors, duplicate-key races between concurrent upserts) with exponential backoff and jitter.
/// </summary>
public sealed class MongoRetry(int maxAttempts = 6, TimeSpan? firstDelay = null, TimeSpan? maxDelay = null, Action<string>? log = null)
{
    private readonly TimeSpan _first = firstDelay ?? TimeSpan.FromMilliseconds(200);
    private readonly TimeSpan _max = maxDelay ?? TimeSpan.FromSeconds(10);

    public int MaxAttempts { get; } = maxAttempts;

    /// <summary>Delay before retry number <paramref name="attempt"/> (1-based): first·2^(attempt-1), capped, with ±20 % jitter.</summary>
    public TimeSpan DelayFor(int attempt)
    {
        var ms = Math.Min(_max.TotalMilliseconds, _first.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ms * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    public async Task<T> ExecuteAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(ct);
            }
            catch (Exception e) when (attempt < MaxAttempts && IsTransient(e) && !ct.IsCancellationRequested)
            {
                var delay = DelayFor(attempt);
                // The message names the error type and text only; exceptions from the driver carry no password.
                log?.Invoke($"{what}: transient {e.GetType().Name} (attempt {attempt}/{MaxAttempts}), retrying in {delay.TotalMilliseconds:0} ms: {MongoTrackStore.OneLine(StoreUri.Mask(e.Message))}");
                await Task.Delay(delay, ct);
            }
        }
    }

    public Task ExecuteAsync(string what, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        ExecuteAsync<bool>(what, async c => { await operation(c); return true; }, ct);

    public static bool IsTransient(Exception e) => e switch
    {
        MongoBulkWriteException bulk => IsTransientBulk(bulk),
        MongoConnectionException or MongoExecutionTimeoutException or MongoNotPrimaryException
            or MongoNodeIsRecoveringException or MongoWaitQueueFullException or MongoCursorNotFoundException => true,
        MongoException m when m.HasErrorLabel("RetryableWriteError") || m.HasErrorLabel("TransientTransactionError") => true,
        MongoWriteException w when w.WriteError?.Category == ServerErrorCategory.DuplicateKey => true,
        TimeoutException => true,
        _ => false,
    };

    private static bool IsTransientBulk(MongoBulkWriteException bulk)
    {
        if (bulk.HasErrorLabel("RetryableWriteError")) return true;
        // Two writers upserting the same new track id at once can race on the unique index: replaying wins.
        var writeErrorsTransient = bulk.WriteErrors.Count > 0 &&
            bulk.WriteErrors.All(w => w.Category == ServerErrorCategory.DuplicateKey || w.Category == ServerErrorCategory.ExecutionTimeout);
        var concernTransient = bulk.WriteConcernError is not null && bulk.WriteErrors.Count == 0;
        return writeErrorsTransient || concernTransient;
    }
}
