using System.Buffers.Binary;
using System.Text;

namespace MusicRec.Streaming.Transport;

/// <summary>
/// A message bus in process memory with Kafka's semantics, so <c>musicrec demo</c> and tests need nothing
/// installed: topics split into partitions by a stable hash of the key; consumer groups whose members share
/// the partitions (range assignment) and rebalance when a member joins or leaves (every member revokes before
/// anyone is given partitions again, as in Kafka's eager protocol); per-group committed offsets; a member
/// starts each partition at the group's committed offset, so whatever was not committed is delivered again.
/// Like a Kafka topic with size retention, each partition keeps only its newest records (a long-running
/// <c>musicrec demo</c> or embedded <c>serve</c> would otherwise hold every event and batch it ever saw); a member
/// whose position fell behind the oldest kept record continues from it (Kafka's auto.offset.reset = earliest).
/// Thread-safe. Nothing survives the process.
/// </summary>
public sealed class InProcessBus
{
    /// <summary>Records kept per partition by default: about 40 MB per 4-partition topic of ~100-byte events.</summary>
    public const int DefaultRetainPerPartition = 100_000;

    private readonly object _gate = new();
    private readonly int _defaultPartitions;
    private readonly int _retainPerPartition;
    private readonly Dictionary<string, PartitionLog[]> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupState> _groups = new(StringComparer.Ordinal);
    private long _nextMemberId;
    private long _roundRobin;

    public InProcessBus(int defaultPartitions = 4, int retainPerPartition = DefaultRetainPerPartition)
    {
        if (defaultPartitions < 1) throw new ArgumentOutOfRangeException(nameof(defaultPartitions));
        if (retainPerPartition < 1) throw new ArgumentOutOfRangeException(nameof(retainPerPartition));
        _defaultPartitions = defaultPartitions;
        _retainPerPartition = retainPerPartition;
    }

    /// <summary>
    /// One partition: its records packed into byte segments (as Kafka packs them into log segment files) rather than
    /// an object per record. A kept record lives as long as the retention allows, seconds to hours: as objects, every
    /// one of them is copied from generation to generation by the garbage collector; as bytes in a few large arrays
    /// without references, the collector has nothing to trace. Retention drops whole segments, oldest first.
    /// </summary>
    private sealed class PartitionLog(int retain)
    {
        /// <summary>A segment closes at this many bytes or a tenth of the retention in records, whichever comes first.</summary>
        private const int SegmentBytes = 1 << 20;
        private readonly int _recordsPerSegment = Math.Max(1, retain / 10);
        private readonly List<Segment> _segments = [];

        /// <summary>Offset of the oldest kept record (offsets never restart).</summary>
        public long BaseOffset => _segments.Count == 0 ? EndOffset : _segments[0].FirstOffset;
        public long EndOffset { get; private set; }

        public void Append(string? key, byte[] value)
        {
            var size = Segment.SizeOf(key, value);
            if (_segments.Count == 0 || !_segments[^1].Fits(size, _recordsPerSegment))
                _segments.Add(new Segment(EndOffset, Math.Min(SegmentBytes, Math.Max(size, 4096))));
            _segments[^1].Append(key, value, size);
            EndOffset++;
            // Keep at least `retain` records: drop the oldest segment only while the rest still hold that many.
            while (_segments.Count > 1 && EndOffset - _segments[1].FirstOffset >= retain) _segments.RemoveAt(0);
        }

        public (string? Key, byte[] Value) At(long offset)
        {
            var i = _segments.Count - 1;
            while (_segments[i].FirstOffset > offset) i--;
            return _segments[i].Read((int)(offset - _segments[i].FirstOffset));
        }

        /// <summary>Records as [key length, -1 for none][key UTF-8][value length][value]; where each starts.</summary>
        private sealed class Segment(long firstOffset, int capacity)
        {
            public readonly long FirstOffset = firstOffset;
            private byte[] _bytes = new byte[capacity];
            private int _used;
            private int[] _starts = new int[64];
            private int _count;

            public static int SizeOf(string? key, byte[] value) => 8 + (key is null ? 0 : Encoding.UTF8.GetByteCount(key)) + value.Length;

            /// <summary>Room for one more record (a record larger than a whole segment gets a segment of its own).</summary>
            public bool Fits(int size, int maxRecords) => _count < maxRecords && (_used + size <= SegmentBytes || _used == 0);

            public void Append(string? key, byte[] value, int size)
            {
                if (_used + size > _bytes.Length) Array.Resize(ref _bytes, Math.Max(_used + size, Math.Min(SegmentBytes, _bytes.Length * 2)));
                if (_count == _starts.Length) Array.Resize(ref _starts, _count * 2);
                _starts[_count++] = _used;
                var span = _bytes.AsSpan(_used);
                var keyLength = key is null ? -1 : Encoding.UTF8.GetBytes(key, span[4..]);
                BinaryPrimitives.WriteInt32LittleEndian(span, keyLength);
                var at = 4 + Math.Max(0, keyLength);
                BinaryPrimitives.WriteInt32LittleEndian(span[at..], value.Length);
                value.CopyTo(span[(at + 4)..]);
                _used += size;
            }

            public (string? Key, byte[] Value) Read(int index)
            {
                var span = _bytes.AsSpan(_starts[index]);
                var keyLength = BinaryPrimitives.ReadInt32LittleEndian(span);
                var key = keyLength < 0 ? null : Encoding.UTF8.GetString(span.Slice(4, keyLength));
                var at = 4 + Math.Max(0, keyLength);
                var valueLength = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
                return (key, span.Slice(at + 4, valueLength).ToArray());
            }
        }
    }

    /// <summary>Creates a topic with this many partitions; an existing topic keeps its partitions.</summary>
    public int CreateTopic(string topic, int partitions)
    {
        if (partitions < 1) throw new ArgumentOutOfRangeException(nameof(partitions));
        lock (_gate) return Partitions(topic, partitions).Length;
    }

    public int PartitionCount(string topic)
    {
        lock (_gate) return Partitions(topic).Length;
    }

    /// <summary>The partition Kafka-style keyed producers would pick: a stable hash (FNV-1a over UTF-8) modulo the count.</summary>
    public static int PartitionFor(string key, int partitions)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key)) hash = (hash ^ b) * 16777619u;
        return (int)(hash % (uint)partitions);
    }

    public DeliveryReport Produce(string topic, string? key, byte[] value)
    {
        lock (_gate)
        {
            var parts = Partitions(topic);
            var p = key is null ? (int)(_roundRobin++ % parts.Length) : PartitionFor(key, parts.Length);
            var log = parts[p];
            log.Append(key, value);
            var offset = log.EndOffset - 1;
            Monitor.PulseAll(_gate);
            return new DeliveryReport(new PartitionId(topic, p), offset);
        }
    }

    public DeliveryReport Produce(string topic, string? key, string value) => Produce(topic, key, Encoding.UTF8.GetBytes(value));

    /// <summary>Every kept record of a topic, partition by partition (tests, diagnostics).</summary>
    public IReadOnlyList<ConsumedRecord> ReadAll(string topic)
    {
        lock (_gate)
        {
            var parts = Partitions(topic);
            var all = new List<ConsumedRecord>();
            for (var p = 0; p < parts.Length; p++)
                for (var offset = parts[p].BaseOffset; offset < parts[p].EndOffset; offset++)
                {
                    var (key, value) = parts[p].At(offset);
                    all.Add(new ConsumedRecord(new PartitionId(topic, p), offset, key, value));
                }
            return all;
        }
    }

    public long EndOffset(PartitionId partition)
    {
        lock (_gate) return Partitions(partition.Topic)[partition.Partition].EndOffset;
    }

    /// <summary>The oldest offset still kept in the partition (0 until retention drops records).</summary>
    public long StartOffset(PartitionId partition)
    {
        lock (_gate) return Partitions(partition.Topic)[partition.Partition].BaseOffset;
    }

    /// <summary>The group's committed offset (next to read), null when the group never committed this partition.</summary>
    public long? CommittedOffset(string groupId, PartitionId partition)
    {
        lock (_gate)
            return _groups.TryGetValue(groupId, out var g) && g.Committed.TryGetValue(partition, out var o) ? o : null;
    }

    /// <summary>Messages not yet committed by the group, over all partitions of the topic.</summary>
    public long Lag(string groupId, string topic)
    {
        lock (_gate)
        {
            var parts = Partitions(topic);
            long lag = 0;
            for (var p = 0; p < parts.Length; p++)
                lag += parts[p].EndOffset - Math.Max(parts[p].BaseOffset, CommittedOffset(groupId, new PartitionId(topic, p)) ?? 0);
            return lag;
        }
    }

    private PartitionLog[] Partitions(string topic, int? count = null)
    {
        if (!_topics.TryGetValue(topic, out var parts))
        {
            parts = Enumerable.Range(0, count ?? _defaultPartitions).Select(_ => new PartitionLog(_retainPerPartition)).ToArray();
            _topics[topic] = parts;
        }
        return parts;
    }

    // ---- consumer groups ----

    private sealed class GroupState
    {
        public long Generation;
        public bool Rebalancing;
        public readonly List<Member> Members = [];
        public readonly HashSet<Member> PendingRevoke = [];
        public readonly Dictionary<Member, List<PartitionId>> Assignment = [];
        public readonly Dictionary<PartitionId, long> Committed = [];
    }

    internal sealed class Member(long id, string groupId, ConsumerOptions options)
    {
        public long Id { get; } = id;
        public string GroupId { get; } = groupId;
        public ConsumerOptions Options { get; } = options;
        public long KnownGeneration = -1;
        public List<PartitionId> Assigned = [];
        public readonly Dictionary<PartitionId, long> Positions = [];
        public readonly HashSet<PartitionId> Paused = [];
        public int NextIndex;
        public bool Closed;
        public Action<IReadOnlyList<PartitionId>>? OnAssigned;
        public Action<IReadOnlyList<PartitionId>>? OnRevoked;
    }

    internal Member Join(ConsumerOptions options, Action<IReadOnlyList<PartitionId>> onAssigned, Action<IReadOnlyList<PartitionId>> onRevoked)
    {
        lock (_gate)
        {
            foreach (var t in options.Topics) Partitions(t);
            var member = new Member(++_nextMemberId, options.GroupId, options) { OnAssigned = onAssigned, OnRevoked = onRevoked };
            if (!_groups.TryGetValue(options.GroupId, out var group)) _groups[options.GroupId] = group = new GroupState();
            group.Members.Add(member);
            StartRebalance(group);
            return member;
        }
    }

    internal void Leave(Member member)
    {
        lock (_gate)
        {
            if (member.Closed) return;
            member.Closed = true;
            var group = _groups[member.GroupId];
            group.Members.Remove(member);
            group.Assignment.Remove(member);
            group.PendingRevoke.Remove(member);
            StartRebalance(group);
        }
    }

    private void StartRebalance(GroupState group)
    {
        group.Rebalancing = true;
        // Members that hold partitions must give them up first; a member that never got any has nothing to revoke.
        foreach (var m in group.Members.Where(m => m.KnownGeneration >= 0)) group.PendingRevoke.Add(m);
        if (group.PendingRevoke.Count == 0) FinishRebalance(group);
        Monitor.PulseAll(_gate);
    }

    private void FinishRebalance(GroupState group)
    {
        group.Generation++;
        group.Rebalancing = false;
        group.Assignment.Clear();
        foreach (var m in group.Members) group.Assignment[m] = [];
        foreach (var topic in group.Members.SelectMany(m => m.Options.Topics).Distinct().Order(StringComparer.Ordinal))
        {
            var members = group.Members.Where(m => m.Options.Topics.Contains(topic)).OrderBy(m => m.Id).ToList();
            var count = Partitions(topic).Length;
            for (var p = 0; p < count; p++)
                group.Assignment[members[p * members.Count / count]].Add(new PartitionId(topic, p));
        }
        Monitor.PulseAll(_gate);
    }

    internal ConsumedRecord? Consume(Member member, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                if (member.Closed) return null;
                var group = _groups[member.GroupId];
                if (group.Rebalancing && group.PendingRevoke.Contains(member))
                {
                    var revoked = member.Assigned;
                    // The handler runs before the others are given these partitions, so its commits count. It runs
                    // outside the lock: it may wait for a commit made on another thread, which needs the lock.
                    Unlocked(() => member.OnRevoked?.Invoke(revoked));
                    if (member.Closed) return null;
                    member.Assigned = [];
                    member.Positions.Clear();
                    member.Paused.Clear();
                    group.PendingRevoke.Remove(member);
                    if (group.PendingRevoke.Count == 0) FinishRebalance(group);
                    continue;
                }
                if (!group.Rebalancing && member.KnownGeneration != group.Generation)
                {
                    member.KnownGeneration = group.Generation;
                    member.Assigned = group.Assignment.TryGetValue(member, out var a) ? [.. a] : [];
                    foreach (var p in member.Assigned)
                    {
                        var log = Partitions(p.Topic)[p.Partition];
                        member.Positions[p] = group.Committed.TryGetValue(p, out var c) ? c
                            : member.Options.StartFromEarliest ? log.BaseOffset : log.EndOffset;
                    }
                    var assigned = member.Assigned;
                    Unlocked(() => member.OnAssigned?.Invoke(assigned));
                    continue;
                }
                if (!group.Rebalancing && member.Assigned.Count > 0)
                {
                    for (var i = 0; i < member.Assigned.Count; i++)
                    {
                        var idx = (member.NextIndex + i) % member.Assigned.Count;
                        var p = member.Assigned[idx];
                        if (member.Paused.Contains(p)) continue;
                        var log = Partitions(p.Topic)[p.Partition];
                        // Behind the oldest kept record (retention dropped what it had not read): continue from there.
                        var pos = Math.Max(member.Positions[p], log.BaseOffset);
                        if (pos >= log.EndOffset) continue;
                        member.Positions[p] = pos + 1;
                        member.NextIndex = idx + 1;
                        var (key, value) = log.At(pos);
                        return new ConsumedRecord(p, pos, key, value);
                    }
                }
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero) return null;
                Monitor.Wait(_gate, remaining);
            }
        }
    }

    /// <summary>Runs a consumer's handler with the bus lock released (the caller holds it exactly once).</summary>
    private void Unlocked(Action action)
    {
        Monitor.Exit(_gate);
        try
        {
            action();
        }
        finally
        {
            Monitor.Enter(_gate);
        }
    }

    internal void Pause(Member member, IEnumerable<PartitionId> partitions, bool pause)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
                if (pause) member.Paused.Add(p);
                else member.Paused.Remove(p);
            if (!pause) Monitor.PulseAll(_gate);
        }
    }

    internal IReadOnlyList<PartitionId> Assignment(Member member)
    {
        lock (_gate) return [.. member.Assigned];
    }

    internal void Commit(Member member, IReadOnlyList<PartitionOffset> offsets)
    {
        lock (_gate)
        {
            if (member.Closed) throw new InvalidOperationException("The consumer has left its group; its offsets cannot be committed.");
            var group = _groups[member.GroupId];
            foreach (var o in offsets) group.Committed[o.Partition] = o.Offset;
        }
    }

    internal long? Committed(string groupId, PartitionId partition) => CommittedOffset(groupId, partition);
}

/// <summary>The in-process bus as an <see cref="IMessageTransport"/>.</summary>
public sealed class InProcessTransport(InProcessBus bus) : IMessageTransport
{
    public InProcessBus Bus { get; } = bus;

    public string Describe() => "in-process bus";

    public IConsumerClient CreateConsumer(ConsumerOptions options) => new InProcessConsumerClient(Bus, options);

    public IProducerClient CreateProducer() => new InProcessProducerClient(Bus);

    public void Dispose() { }

    private sealed class InProcessConsumerClient(InProcessBus bus, ConsumerOptions options) : IConsumerClient
    {
        private InProcessBus.Member? _member;

        private InProcessBus.Member Member => _member ?? throw new InvalidOperationException("Subscribe first.");

        public void Subscribe(Action<IReadOnlyList<PartitionId>> onAssigned, Action<IReadOnlyList<PartitionId>> onRevoked) =>
            _member = bus.Join(options, onAssigned, onRevoked);

        public ConsumedRecord? Consume(TimeSpan timeout) => bus.Consume(Member, timeout);

        public IReadOnlyList<PartitionId> Assignment => _member is null ? [] : bus.Assignment(_member);

        public void Pause(IEnumerable<PartitionId> partitions) => bus.Pause(Member, partitions, pause: true);

        public void Resume(IEnumerable<PartitionId> partitions) => bus.Pause(Member, partitions, pause: false);

        public void Commit(IReadOnlyList<PartitionOffset> offsets) => bus.Commit(Member, offsets);

        public long? Committed(PartitionId partition, TimeSpan timeout) => bus.Committed(options.GroupId, partition);

        public void Close()
        {
            if (_member is not null) bus.Leave(_member);
        }

        public void Dispose() => Close();
    }

    private sealed class InProcessProducerClient(InProcessBus bus) : IProducerClient
    {
        public Task<DeliveryReport> ProduceAsync(OutgoingRecord record, CancellationToken ct = default) =>
            Task.FromResult(bus.Produce(record.Topic, record.Key, record.Value));

        public void Flush(TimeSpan timeout) { }

        public void Dispose() { }
    }
}
