using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MusicRec.Contracts;
using MusicRec.Streaming.Transport;

namespace MusicRec.Streaming;

/// <summary>Publishes activity to <c>user_activity</c> (key: user id) on Kafka or the in-process bus; completes on delivery.</summary>
public sealed class TransportActivityPublisher(IMessageTransport transport, string topic = Topics.UserActivity) : IActivityPublisher, IDisposable
{
    private readonly IProducerClient _producer = transport.CreateProducer();

    public async Task PublishAsync(ActivityEvent activity, CancellationToken ct = default) =>
        await _producer.ProduceAsync(new OutgoingRecord(topic, activity.UserId, StreamingJson.SerializeToUtf8Bytes(activity)), ct).ConfigureAwait(false);

    /// <summary>Publishes a raw payload as is (tests of the dead-letter path, replay tools).</summary>
    public Task<DeliveryReport> PublishRawAsync(string? key, string payload, CancellationToken ct = default) =>
        _producer.ProduceAsync(new OutgoingRecord(topic, key, payload), ct);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}

/// <summary>How a recommendation feed reads.</summary>
public sealed record RecommendationFeedOptions
{
    /// <summary>A fixed group id shares the partitions among readers with that id; null gives each reader its own group.</summary>
    public string? GroupId { get; init; }
    public string GroupPrefix { get; init; } = "musicrec-feed";
    /// <summary>Read what was published before the reader joined (true) or only what comes after (false).</summary>
    public bool FromBeginning { get; init; }
    public string Topic { get; init; } = Topics.Recommendations;
}

/// <summary>
/// Reads <c>recommendations</c> with its own consumer group (Kafka or the in-process bus). Each
/// <see cref="ReadAsync"/> call is one reader; a payload that is not a batch is logged and skipped.
/// </summary>
public sealed class TransportRecommendationFeed(IMessageTransport transport, RecommendationFeedOptions? options = null, ILogger? log = null)
    : IRecommendationFeed
{
    private readonly RecommendationFeedOptions _options = options ?? new RecommendationFeedOptions();
    private readonly ILogger _log = log ?? NullLogger.Instance;

    public async IAsyncEnumerable<RecommendationBatch> ReadAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<RecommendationBatch>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
        var groupId = _options.GroupId ?? $"{_options.GroupPrefix}-{Guid.NewGuid():N}";
        var reader = new Thread(() => Pump(groupId, channel.Writer, stop.Token)) { IsBackground = true, Name = $"feed-{groupId}" };
        reader.Start();
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return batch;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private void Pump(string groupId, ChannelWriter<RecommendationBatch> writer, CancellationToken ct)
    {
        Exception? failure = null;
        try
        {
            using var client = transport.CreateConsumer(new ConsumerOptions(groupId, [_options.Topic], _options.FromBeginning));
            client.Subscribe(_ => { }, _ => { });
            var pending = new Dictionary<PartitionId, long>();
            var lastCommit = DateTime.UtcNow;
            while (!ct.IsCancellationRequested)
            {
                var record = client.Consume(TimeSpan.FromMilliseconds(100));
                if (record is not null)
                {
                    var batch = Parse(record);
                    if (batch is not null)
                    {
                        while (!writer.TryWrite(batch))
                            if (!writer.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult()) return;
                    }
                    pending[record.Partition] = record.Offset + 1;
                }
                if (pending.Count > 0 && DateTime.UtcNow - lastCommit > TimeSpan.FromSeconds(1))
                {
                    // Only a bookmark for readers sharing a fixed group id; losing one costs re-reading a second's worth.
                    try
                    {
                        client.Commit([.. pending.Select(p => new PartitionOffset(p.Key, p.Value))]);
                    }
                    catch (Exception e)
                    {
                        _log.LogDebug("Recommendation feed {Group}: commit failed: {Error}", groupId, e.Message);
                    }
                    pending.Clear();
                    lastCommit = DateTime.UtcNow;
                }
            }
            client.Close();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _log.LogDebug("Recommendation feed {Group}: reader stopped", groupId);
        }
        catch (Exception e)
        {
            failure = e;
            _log.LogError(e, "Recommendation feed {Group} failed", groupId);
        }
        finally
        {
            writer.TryComplete(failure);
        }
    }

    private RecommendationBatch? Parse(ConsumedRecord record)
    {
        try
        {
            var text = record.Value is null ? "" : System.Text.Encoding.UTF8.GetString(record.Value);
            var batch = StreamingJson.Deserialize<RecommendationBatch>(text);
            if (batch is { BatchId: not null, UserId: not null, Tracks: not null }) return batch;
        }
        catch (System.Text.Json.JsonException e)
        {
            _log.LogWarning("Recommendation feed: skipped {Partition}@{Offset}: {Error}", record.Partition, record.Offset, e.Message);
            return null;
        }
        _log.LogWarning("Recommendation feed: skipped {Partition}@{Offset}: not a recommendation batch", record.Partition, record.Offset);
        return null;
    }
}

/// <summary>Posts activity to the web host's <c>POST /api/activity</c> (SPEC.md: no event_id or ts; the server fills them).</summary>
public sealed class HttpActivityPublisher(HttpClient http, Uri baseUrl) : IActivityPublisher
{
    private sealed record ActivityPost(
        [property: JsonPropertyName("user_id")] string UserId,
        [property: JsonPropertyName("track_id")] int TrackId,
        [property: JsonPropertyName("action")] string Action);

    private readonly Uri _endpoint = new(new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/"), "api/activity");

    public async Task PublishAsync(ActivityEvent activity, CancellationToken ct = default)
    {
        using var response = await http.PostAsJsonAsync(_endpoint, new ActivityPost(activity.UserId, activity.TrackId, activity.Action), ct)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            throw new HttpRequestException($"POST {_endpoint} answered {(int)response.StatusCode}: {body.Trim()}", null, response.StatusCode);
        }
    }
}
