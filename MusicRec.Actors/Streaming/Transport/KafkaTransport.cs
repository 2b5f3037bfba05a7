using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MusicRec.Streaming.Transport;

/// <summary>
/// Kafka through Confluent.Kafka (librdkafka). Uses only what every broker since 0.9 offers: no headers, no
/// broker timestamps, no idempotence, no transactions. The user's librdkafka properties are applied over the
/// product defaults; the few settings the stages rely on (manual commits) are applied last.
/// </summary>
public sealed class KafkaTransport(KafkaSettings settings, ILoggerFactory? loggerFactory = null) : IMessageTransport
{
    private readonly ILogger _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<KafkaTransport>();

    public KafkaSettings Settings { get; } = settings;

    public string Describe() => $"Kafka {Settings.BootstrapServers}";

    /// <summary>The consumer configuration: defaults, then the user's properties, then what the stages require.</summary>
    public ConsumerConfig ConsumerConfig(ConsumerOptions options)
    {
        var dict = new Dictionary<string, string>
        {
            ["auto.offset.reset"] = options.StartFromEarliest ? "earliest" : "latest",
            ["enable.partition.eof"] = "false",
        };
        foreach (var (k, v) in Settings.Properties) dict[k] = v;
        dict["bootstrap.servers"] = Settings.BootstrapServers;
        dict["group.id"] = options.GroupId;
        // Offsets are committed by the committer stage after processing, never by a timer.
        dict["enable.auto.commit"] = "false";
        dict["enable.auto.offset.store"] = "false";
        return new ConsumerConfig(dict);
    }

    public ProducerConfig ProducerConfig()
    {
        var dict = new Dictionary<string, string>
        {
            ["acks"] = "all",
            ["linger.ms"] = "5",
        };
        foreach (var (k, v) in Settings.Properties) dict[k] = v;
        dict["bootstrap.servers"] = Settings.BootstrapServers;
        return new ProducerConfig(dict);
    }

    public IConsumerClient CreateConsumer(ConsumerOptions options) => new KafkaConsumerClient(ConsumerConfig(options), options, _log);

    public IProducerClient CreateProducer() => new KafkaProducerClient(ProducerConfig(), _log);

    public void Dispose() { }

    /// <summary>Consumer settings are validated early: librdkafka rejects unknown properties only when the client is built.</summary>
    public static void Validate(KafkaSettings settings)
    {
        using var producer = new ProducerBuilder<Null, Null>(new KafkaTransport(settings).ProducerConfig()).Build();
    }

    private sealed class KafkaConsumerClient : IConsumerClient
    {
        private readonly IConsumer<string?, byte[]?> _consumer;
        private readonly ConsumerOptions _options;
        private readonly ThrottledLog _errors;
        private Action<IReadOnlyList<PartitionId>>? _onAssigned;
        private Action<IReadOnlyList<PartitionId>>? _onRevoked;
        private bool _closed;

        public KafkaConsumerClient(ConsumerConfig config, ConsumerOptions options, ILogger log)
        {
            _options = options;
            _errors = new ThrottledLog(log, TimeSpan.FromSeconds(10));
            _consumer = new ConsumerBuilder<string?, byte[]?>(config)
                .SetKeyDeserializer(NullableUtf8.Instance)
                .SetValueDeserializer(Deserializers.ByteArray!)
                // librdkafka reconnects by itself; while the broker is down this fires every ~50 ms, hence the throttle.
                .SetErrorHandler((_, e) => _errors.Report(e.IsFatal ? LogLevel.Error : LogLevel.Warning, e.Code.ToString(),
                    $"Kafka consumer ({options.GroupId}): {e.Reason}"))
                .SetLogHandler((_, m) => _errors.Report(m.Level <= SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug, m.Facility,
                    $"librdkafka {m.Facility}: {m.Message}"))
                .SetPartitionsAssignedHandler((_, parts) => _onAssigned?.Invoke(parts.Select(ToId).ToList()))
                .SetPartitionsRevokedHandler((_, parts) => _onRevoked?.Invoke(parts.Select(p => ToId(p.TopicPartition)).ToList()))
                .SetPartitionsLostHandler((_, parts) => _onRevoked?.Invoke(parts.Select(p => ToId(p.TopicPartition)).ToList()))
                .Build();
        }

        private static PartitionId ToId(TopicPartition tp) => new(tp.Topic, tp.Partition.Value);
        private static TopicPartition ToTp(PartitionId p) => new(p.Topic, new Partition(p.Partition));

        public void Subscribe(Action<IReadOnlyList<PartitionId>> onAssigned, Action<IReadOnlyList<PartitionId>> onRevoked)
        {
            _onAssigned = onAssigned;
            _onRevoked = onRevoked;
            _consumer.Subscribe(_options.Topics);
        }

        public ConsumedRecord? Consume(TimeSpan timeout)
        {
            var cr = _consumer.Consume(timeout);
            if (cr is null || cr.IsPartitionEOF) return null;
            return new ConsumedRecord(ToId(cr.TopicPartition), cr.Offset.Value, cr.Message.Key, cr.Message.Value);
        }

        public IReadOnlyList<PartitionId> Assignment => _consumer.Assignment.Select(ToId).ToList();

        public void Pause(IEnumerable<PartitionId> partitions) => _consumer.Pause(partitions.Select(ToTp));

        public void Resume(IEnumerable<PartitionId> partitions) => _consumer.Resume(partitions.Select(ToTp));

        public void Commit(IReadOnlyList<PartitionOffset> offsets) =>
            _consumer.Commit(offsets.Select(o => new TopicPartitionOffset(ToTp(o.Partition), new Offset(o.Offset))));

        public long? Committed(PartitionId partition, TimeSpan timeout)
        {
            var c = _consumer.Committed([ToTp(partition)], timeout).Single();
            return c.Offset.IsSpecial ? null : c.Offset.Value;
        }

        public void Close()
        {
            if (_closed) return;
            _closed = true;
            _consumer.Close();
        }

        public void Dispose()
        {
            _consumer.Dispose();
        }
    }

    private sealed class KafkaProducerClient : IProducerClient
    {
        private readonly IProducer<string?, byte[]> _producer;
        private readonly ThrottledLog _errors;

        public KafkaProducerClient(ProducerConfig config, ILogger log)
        {
            _errors = new ThrottledLog(log, TimeSpan.FromSeconds(10));
            _producer = new ProducerBuilder<string?, byte[]>(config)
                .SetKeySerializer(NullableUtf8.Instance)
                .SetErrorHandler((_, e) => _errors.Report(e.IsFatal ? LogLevel.Error : LogLevel.Warning, e.Code.ToString(),
                    $"Kafka producer: {e.Reason}"))
                .SetLogHandler((_, m) => _errors.Report(m.Level <= SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug, m.Facility,
                    $"librdkafka {m.Facility}: {m.Message}"))
                .Build();
        }

        public Task<DeliveryReport> ProduceAsync(OutgoingRecord record, CancellationToken ct = default)
        {
            var message = new Message<string?, byte[]> { Key = record.Key, Value = record.Value };
            var since = Environment.TickCount64;
            while (true)
            {
                var produced = _producer.ProduceAsync(record.Topic, message, ct);
                if (!IsQueueFull(produced) || Environment.TickCount64 - since > MaxBlock.TotalMilliseconds) return Reported(produced);
                // librdkafka's local queue (queue.buffering.max.messages) is full: wait here, as the Java producer's
                // send blocks, until deliveries make room, so records are still queued in the order they were given.
                ct.ThrowIfCancellationRequested();
                Thread.Sleep(1);
            }
        }

        /// <summary>How long a send waits for room in a full local queue before it fails (the Java producer's max.block.ms).</summary>
        private static readonly TimeSpan MaxBlock = TimeSpan.FromSeconds(60);

        // The enqueue happens before ProduceAsync returns, so a full queue is an already failed task.
        private static bool IsQueueFull(Task produced) =>
            produced.IsFaulted && produced.Exception!.InnerException is KafkaException { Error.Code: ErrorCode.Local_QueueFull };

        private static async Task<DeliveryReport> Reported(Task<DeliveryResult<string?, byte[]>> produced)
        {
            var result = await produced.ConfigureAwait(false);
            return new DeliveryReport(new PartitionId(result.Topic, result.Partition.Value), result.Offset.Value);
        }

        public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

        public void Dispose() => _producer.Dispose();
    }

    private sealed class NullableUtf8 : ISerializer<string?>, IDeserializer<string?>
    {
        public static readonly NullableUtf8 Instance = new();

        public byte[] Serialize(string? data, SerializationContext context) => data is null ? null! : System.Text.Encoding.UTF8.GetBytes(data);

        public string? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            isNull ? null : System.Text.Encoding.UTF8.GetString(data);
    }
}

/// <summary>
/// Logs a repeating error at most once per interval per kind, with the number of repeats left out, so a broker
/// that is down for a minute gives a handful of lines rather than a thousand.
/// </summary>
public sealed class ThrottledLog(ILogger log, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, (DateTime Last, int Suppressed)> _seen = new();

    /// <summary>Returns whether the line was written.</summary>
    public bool Report(LogLevel level, string kind, string message)
    {
        var now = DateTime.UtcNow;
        var write = false;
        var suppressed = 0;
        _seen.AddOrUpdate(kind,
            _ => { write = true; return (now, 0); },
            (_, prev) =>
            {
                if (now - prev.Last >= interval)
                {
                    write = true;
                    suppressed = prev.Suppressed;
                    return (now, 0);
                }
                write = false;
                return (prev.Last, prev.Suppressed + 1);
            });
        if (write)
            log.Log(level, "{Message}{Suppressed}", message, suppressed > 0 ? $" ({suppressed} more like it in the last {interval.TotalSeconds:0} s)" : "");
        return write;
    }
}
