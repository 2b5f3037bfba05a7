using System.Text;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using MusicRec.Streaming.Transport;

namespace MusicRec.Streaming.Stages;

/// <summary>Where a message came from; committing it tells the group it was processed.</summary>
public sealed class CommittableOffset
{
    internal CommittableOffset(ConsumerDriver committer, PartitionId partition, long offset, long assignmentEpoch)
    {
        Committer = committer;
        Partition = partition;
        Offset = offset;
        AssignmentEpoch = assignmentEpoch;
    }

    internal ConsumerDriver Committer { get; }
    public PartitionId Partition { get; }
    public long Offset { get; }
    /// <summary>Which assignment of the partition this came from: a commit from before a revoke is dropped.</summary>
    internal long AssignmentEpoch { get; }

    public override string ToString() => $"{Partition}@{Offset}";
}

/// <summary>A consumed message with its offset (as Akka.Streams.Kafka's CommittableMessage).</summary>
public sealed record CommittableMessage(string Topic, int Partition, long Offset, string? Key, byte[]? Value, CommittableOffset CommittableOffset)
{
    /// <summary>The value as UTF-8 text, with invalid bytes replaced (for logs and dead letters).</summary>
    public string ValueText => Value is null ? "" : Encoding.UTF8.GetString(Value);
}

/// <summary>The consumer side: which group and topics, how much to prefetch, which errors to ride out.</summary>
public sealed record ConsumerSettings(string GroupId, IReadOnlyList<string> Topics)
{
    /// <summary>Messages fetched ahead of demand; past this the partitions are paused (polling goes on for the group).</summary>
    public int BufferSize { get; init; } = 256;
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>How long the buffer may stay full before the partitions are paused (pausing drops librdkafka's prefetched records).</summary>
    public TimeSpan PauseAfter { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Where a group with no committed offset starts.</summary>
    public bool StartFromEarliest { get; init; } = true;
    public Decider Decider { get; init; } = StreamDeciders.Default;

    public ConsumerOptions ToOptions() => new(GroupId, Topics, StartFromEarliest);
}

/// <summary>How the committer batches: up to <see cref="MaxBatch"/> offsets or <see cref="MaxInterval"/>, whichever comes first.</summary>
public sealed record CommitterSettings
{
    public int MaxBatch { get; init; } = 1000;
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    public Decider Decider { get; init; } = StreamDeciders.Default;
}

/// <summary>
/// Which errors a Kafka stage rides out (Resume) and which end the stream (Stop; the restart wrapper then
/// re-subscribes after a backoff and uncommitted messages are read again).
/// </summary>
public static class StreamDeciders
{
    public static Directive Default(Exception cause) => cause switch
    {
        KafkaException { Error.IsFatal: true } => Directive.Stop,
        // Commits refused around a rebalance or while the coordinator moves are safe to drop: the partition's next
        // owner starts from the last committed offset, so the messages come again (at-least-once).
        KafkaException k when IsTransient(k.Error.Code) => Directive.Resume,
        ConsumeException => Directive.Resume,
        _ => Directive.Stop,
    };

    private static bool IsTransient(ErrorCode code) => code is
        ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId
        or ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupCoordinatorNotAvailable or ErrorCode.GroupLoadInProgress
        or ErrorCode.RequestTimedOut or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_TimedOut
        or ErrorCode.Local_State or ErrorCode.Local_NoOffset or ErrorCode.UnknownTopicOrPart or ErrorCode.LeaderNotAvailable
        or ErrorCode.NotLeaderForPartition or ErrorCode.Local_UnknownPartition or ErrorCode.Local_UnknownTopic;
}
