using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Host.Service;

/// <summary>
/// Looks at the bus from outside the pipeline: is the broker reachable (metadata request), and how far behind
/// is this node's consumer (high watermark minus the group's committed offset, over the partitions this node
/// holds). A separate client, so a probe never disturbs the pipeline's consumer or its group membership.
/// </summary>
internal sealed class BusProbe : IDisposable
{
    private readonly IMessageTransport _transport;
    private readonly ActivityPipelineSettings _pipeline;
    private readonly IAdminClient? _admin;
    private readonly IConsumer<Ignore, Ignore>? _offsets;
    private readonly object _gate = new();

    public BusProbe(IMessageTransport transport, ActivityPipelineSettings pipeline)
    {
        _transport = transport;
        _pipeline = pipeline;
        if (transport is KafkaTransport kafka)
        {
            var producerConfig = kafka.ProducerConfig();
            _admin = new AdminClientBuilder(new AdminClientConfig(producerConfig
                .Where(kv => IsClientProperty(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value))).Build();
            var consumerConfig = kafka.ConsumerConfig(new ConsumerOptions(pipeline.GroupId, [pipeline.ActivityTopic]));
            _offsets = new ConsumerBuilder<Ignore, Ignore>(consumerConfig).SetErrorHandler((_, _) => { }).Build();
        }
    }

    // Producer-only settings (acks, linger.ms) would be rejected by an admin client.
    private static bool IsClientProperty(string key) => key is not ("acks" or "linger.ms" or "enable.idempotence" or "compression.type");

    /// <summary>True when the broker answered a metadata request within <paramref name="timeout"/> (always true in process).</summary>
    public bool Reachable(TimeSpan timeout, out string detail)
    {
        if (_admin is null)
        {
            detail = _transport.Describe();
            return true;
        }
        try
        {
            lock (_gate)
            {
                var metadata = _admin.GetMetadata(timeout);
                detail = $"{_transport.Describe()}: {metadata.Brokers.Count} broker(s)";
                return metadata.Brokers.Count > 0;
            }
        }
        catch (KafkaException e)
        {
            detail = $"{_transport.Describe()} unreachable ({e.Error.Code})";
            return false;
        }
    }

    /// <summary>Messages on <paramref name="assigned"/> not yet committed by the pipeline's group; null when unknown.</summary>
    public long? Lag(IReadOnlyList<PartitionId> assigned, TimeSpan timeout)
    {
        if (_transport is InProcessTransport inProcess)
            return inProcess.Bus.Lag(_pipeline.GroupId, _pipeline.ActivityTopic);
        if (_offsets is null) return null;
        if (assigned.Count == 0) return 0;
        lock (_gate)
        {
            var partitions = assigned.Select(p => new TopicPartition(p.Topic, p.Partition)).ToList();
            var committed = _offsets.Committed(partitions, timeout).ToDictionary(c => c.TopicPartition, c => c.Offset);
            long lag = 0;
            foreach (var tp in partitions)
            {
                var high = _offsets.QueryWatermarkOffsets(tp, timeout).High;
                var done = committed.TryGetValue(tp, out var c) && c != Offset.Unset ? c.Value : 0;
                lag += Math.Max(0, high.Value - done);
            }
            return lag;
        }
    }

    public void Dispose()
    {
        _admin?.Dispose();
        _offsets?.Dispose();
    }
}

/// <summary>Samples the consumer lag every few seconds for the musicrec.consumer.lag gauge.</summary>
internal sealed class ConsumerLagSampler(BusProbe probe, PipelineService pipeline, ServiceMetrics metrics, ILogger<ConsumerLagSampler> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (pipeline.Pipeline is not { } running) continue;
            try
            {
                var assigned = running.Assignment;
                var lag = await Task.Run(() => probe.Lag(assigned, TimeSpan.FromSeconds(3)), stoppingToken).ConfigureAwait(false);
                if (lag is { } l) metrics.ConsumerLag(l);
            }
            catch (KafkaException e)
            {
                log.LogDebug("Consumer lag not sampled: {Reason}", e.Error.Reason);
            }
        }
    }
}

/// <summary>Ready while the bus answers and the pipeline runs.</summary>
internal sealed class BusHealthCheck(BusProbe probe, PipelineService pipeline) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (pipeline.Pipeline is not { } running)
            return HealthCheckResult.Unhealthy("activity pipeline not started");
        if (running.Completion.IsCompleted)
            return HealthCheckResult.Unhealthy("activity pipeline stopped");
        string detail = "";
        var reachable = await Task.Run(() => probe.Reachable(TimeSpan.FromSeconds(2), out detail), ct).ConfigureAwait(false);
        return reachable ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
    }
}
