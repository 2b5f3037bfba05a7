namespace MusicRec.Streaming.Transport;

/// <summary>One partition of one topic.</summary>
public readonly record struct PartitionId(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";
}

/// <summary>An offset to commit: the next offset to read (last processed + 1), Kafka's convention.</summary>
public readonly record struct PartitionOffset(PartitionId Partition, long Offset);

/// <summary>One record as read from a partition.</summary>
public sealed record ConsumedRecord(PartitionId Partition, long Offset, string? Key, byte[]? Value);

/// <summary>One record to write (the value as UTF-8 bytes); the partition follows from the key.</summary>
public sealed record OutgoingRecord(string Topic, string? Key, byte[] Value)
{
    public OutgoingRecord(string topic, string? key, string value) : this(topic, key, System.Text.Encoding.UTF8.GetBytes(value))
    {
    }
}

/// <summary>Where a produced record landed (the delivery report).</summary>
public sealed record DeliveryReport(PartitionId Partition, long Offset);

/// <summary>What a consumer is told to do by the stage that owns it.</summary>
public sealed record ConsumerOptions(string GroupId, IReadOnlyList<string> Topics, bool StartFromEarliest = true);

/// <summary>
/// A message bus the streaming stages run on: Kafka (<see cref="KafkaTransport"/>) or the in-process bus
/// (<see cref="InProcessTransport"/>). The stages above it are the same for both.
/// </summary>
public interface IMessageTransport : IDisposable
{
    /// <summary>For logs; never includes secrets.</summary>
    string Describe();

    /// <summary>A new group member. Not thread-safe: one thread owns it (the consumer driver).</summary>
    IConsumerClient CreateConsumer(ConsumerOptions options);

    /// <summary>A producer; thread-safe.</summary>
    IProducerClient CreateProducer();
}

/// <summary>
/// The low-level consumer, in librdkafka's shape: the rebalance handlers run inside <see cref="Consume"/> on the
/// owning thread, so commits made from the revoke handler still count.
/// </summary>
public interface IConsumerClient : IDisposable
{
    void Subscribe(Action<IReadOnlyList<PartitionId>> onAssigned, Action<IReadOnlyList<PartitionId>> onRevoked);

    /// <summary>The next record of an assigned, unpaused partition, or null after <paramref name="timeout"/>.</summary>
    ConsumedRecord? Consume(TimeSpan timeout);

    IReadOnlyList<PartitionId> Assignment { get; }
    void Pause(IEnumerable<PartitionId> partitions);
    void Resume(IEnumerable<PartitionId> partitions);

    /// <summary>Commits synchronously; throws on failure. May be called from another thread than the polling one.</summary>
    void Commit(IReadOnlyList<PartitionOffset> offsets);

    /// <summary>The group's committed offset for a partition, null when none (diagnostics and tests).</summary>
    long? Committed(PartitionId partition, TimeSpan timeout);

    /// <summary>Leaves the group (no commit).</summary>
    void Close();
}

/// <summary>The low-level producer: the task completes with the delivery report, or fails.</summary>
public interface IProducerClient : IDisposable
{
    Task<DeliveryReport> ProduceAsync(OutgoingRecord record, CancellationToken ct = default);

    /// <summary>Waits for outstanding deliveries.</summary>
    void Flush(TimeSpan timeout);
}
