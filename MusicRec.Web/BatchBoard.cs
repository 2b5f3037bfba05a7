using System.Threading.Channels;
using MusicRec.Contracts;
using MusicRec.Streaming;

namespace MusicRec.Web;

/// <summary>
/// The latest recommendation batches per user, in bounded memory, with live fan-out to stream subscribers.
/// Repeated batch ids (at-least-once delivery, replays after a crash) are dropped. Users are kept in
/// least-recently-updated order and the oldest is forgotten beyond <see cref="WebOptions.MaxUsers"/>.
/// One lock guards everything: the work under it is a few dictionary operations per batch.
/// </summary>
public sealed class BatchBoard
{
    private readonly WebOptions _options;
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<UserBatches>> _users = new(StringComparer.Ordinal);
    private readonly LinkedList<UserBatches> _byRecency = new(); // first = most recently updated
    private readonly Dictionary<string, List<Subscription>> _subscribers = new(StringComparer.Ordinal);
    private int _subscriberCount;
    private long _accepted, _duplicates;

    public BatchBoard(WebOptions options) => _options = options;

    public int UserCount { get { lock (_gate) return _users.Count; } }
    public int SubscriberCount => Volatile.Read(ref _subscriberCount);
    public long AcceptedCount => Interlocked.Read(ref _accepted);
    public long DuplicateCount => Interlocked.Read(ref _duplicates);

    /// <summary>Adds a batch; false when its id was seen before for this user (then nothing changes).</summary>
    public bool Add(RecommendationBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Subscription[] targets;
        lock (_gate)
        {
            if (!_users.TryGetValue(batch.UserId, out var node))
            {
                node = _byRecency.AddFirst(new UserBatches(batch.UserId));
                _users[batch.UserId] = node;
                while (_users.Count > _options.MaxUsers)
                {
                    var oldest = _byRecency.Last!;
                    _byRecency.RemoveLast();
                    _users.Remove(oldest.Value.UserId);
                }
            }
            else if (node != _byRecency.First)
            {
                _byRecency.Remove(node);
                _byRecency.AddFirst(node);
            }

            if (!node.Value.Remember(batch, _options.BatchesPerUser, _options.RememberedBatchIdsPerUser))
            {
                Interlocked.Increment(ref _duplicates);
                return false;
            }
            Interlocked.Increment(ref _accepted);
            targets = _subscribers.TryGetValue(batch.UserId, out var list) ? list.ToArray() : [];
        }
        foreach (var s in targets) s.Offer(batch);
        return true;
    }

    /// <summary>The user's kept batches, newest first (empty for a user never seen).</summary>
    public IReadOnlyList<RecommendationBatch> Latest(string userId)
    {
        lock (_gate)
            return _users.TryGetValue(userId, out var node) ? node.Value.NewestFirst() : [];
    }

    /// <summary>User ids with kept batches, most recently updated first.</summary>
    public IReadOnlyList<string> RecentUsers(int max)
    {
        lock (_gate)
            return _byRecency.Take(max).Select(u => u.UserId).ToList();
    }

    /// <summary>
    /// Subscribes to the user's new batches. The current newest batch is taken under the same lock as the
    /// registration, so no batch falls between it and the live ones. Null when <see cref="WebOptions.MaxStreams"/> is reached.
    /// </summary>
    public Subscription? Subscribe(string userId)
    {
        lock (_gate)
        {
            if (_subscriberCount >= _options.MaxStreams) return null;
            var current = _users.TryGetValue(userId, out var node) ? node.Value.Newest : null;
            var subscription = new Subscription(this, userId, current, _options.StreamBuffer);
            if (!_subscribers.TryGetValue(userId, out var list)) _subscribers[userId] = list = [];
            list.Add(subscription);
            _subscriberCount++;
            return subscription;
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(subscription.UserId, out var list) || !list.Remove(subscription)) return;
            if (list.Count == 0) _subscribers.Remove(subscription.UserId);
            _subscriberCount--;
        }
    }

    /// <summary>One live listener of a user's batches; dispose to stop.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly BatchBoard _board;
        private readonly Channel<RecommendationBatch> _queue;
        private int _disposed;

        internal Subscription(BatchBoard board, string userId, RecommendationBatch? current, int buffer)
        {
            _board = board;
            UserId = userId;
            Current = current;
            // A slow client only needs the newest batches: drop the oldest instead of holding memory.
            _queue = Channel.CreateBounded<RecommendationBatch>(new BoundedChannelOptions(buffer)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            });
        }

        public string UserId { get; }
        /// <summary>The user's newest batch when the subscription began (null when none yet).</summary>
        public RecommendationBatch? Current { get; }
        public ChannelReader<RecommendationBatch> Batches => _queue.Reader;

        internal void Offer(RecommendationBatch batch) => _queue.Writer.TryWrite(batch);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _board.Unsubscribe(this);
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>One user's kept batches (oldest first) and the ids seen recently.</summary>
    private sealed class UserBatches(string userId)
    {
        private readonly Queue<RecommendationBatch> _kept = new();
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Queue<string> _seenOrder = new();

        public string UserId { get; } = userId;
        public RecommendationBatch? Newest { get; private set; }

        public bool Remember(RecommendationBatch batch, int keep, int rememberIds)
        {
            if (!_seen.Add(batch.BatchId)) return false;
            _seenOrder.Enqueue(batch.BatchId);
            while (_seenOrder.Count > Math.Max(rememberIds, keep)) _seen.Remove(_seenOrder.Dequeue());
            _kept.Enqueue(batch);
            while (_kept.Count > keep) _kept.Dequeue();
            Newest = batch;
            return true;
        }

        public IReadOnlyList<RecommendationBatch> NewestFirst() => _kept.Reverse().ToList();
    }
}
