using System.Collections.Concurrent;
using Akka.Streams.Supervision;
using Microsoft.Extensions.Logging;
using MusicRec.Streaming.Transport;

namespace MusicRec.Streaming.Stages;

/// <summary>Controls one consumer (as Akka.Streams.Kafka's IControl).</summary>
public interface IConsumerControl
{
    /// <summary>Stops emitting: the source completes; the consumer stays in its group so the stream's last commits still count.</summary>
    Task StopAsync();

    /// <summary>Commits what was handed to the committer, then leaves the group.</summary>
    Task ShutdownAsync();

    /// <summary>Leaves the group at once; nothing pending is committed (what was not committed is read again later).</summary>
    Task AbortAsync();

    /// <summary>Completes when the consumer has left its group.</summary>
    Task IsShutdown { get; }
}

/// <summary>
/// Owns one consumer client on a dedicated thread (librdkafka consumers are not to be shared between threads;
/// rebalance handlers run inside poll). It fetches only while its small buffer has room, pausing the assigned
/// partitions otherwise but still polling so the group membership and the commit queue stay served. Commits are
/// made on the same thread, filtered to partitions still assigned in the same assignment epoch.
/// </summary>
internal sealed class ConsumerDriver : IConsumerControl
{
    private sealed record CommitRequest(IReadOnlyList<CommittableOffset> Offsets, TaskCompletionSource Done);

    private readonly IMessageTransport _transport;
    private readonly ConsumerSettings _settings;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private readonly Queue<CommittableMessage> _buffer = new();
    private readonly ConcurrentQueue<CommitRequest> _commits = new();
    private readonly Dictionary<PartitionId, long> _epochs = new();
    private readonly TaskCompletionSource _shutdown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Wakes the poll loop while it is paused: room in the buffer again, or a commit to make.
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private long _epochCounter;
    private bool _emitting = true;
    private bool _wanted;
    private bool _paused;
    private volatile bool _waitingForRoom;
    // librdkafka keeps a partition's pause across revoke and re-assign: after each assignment the driver's
    // current pause state is applied to the whole assignment again, or a partition paused before a rebalance
    // could stay paused for good (seen in the multi-node failover test).
    private bool _assignmentChanged;
    private volatile int _closeRequest; // 0 none, 1 graceful, 2 abort
    private Action? _onAvailable;
    private Action<Exception>? _onFailure;
    private Action? _onStopped;
    private IConsumerClient? _client;
    private Task? _commitInFlight;

    public ConsumerDriver(IMessageTransport transport, ConsumerSettings settings, ILogger log)
    {
        _transport = transport;
        _settings = settings;
        _log = log;
    }

    public Task IsShutdown => _shutdown.Task;

    internal bool StopRequested
    {
        get { lock (_gate) return !_emitting; }
    }

    /// <summary>Assigned partitions (diagnostics and tests).</summary>
    public IReadOnlyList<PartitionId> Assignment
    {
        get { lock (_gate) return [.. _epochs.Keys]; }
    }

    public void Start(Action onAvailable, Action<Exception> onFailure, Action onStopped)
    {
        _onAvailable = onAvailable;
        _onFailure = onFailure;
        _onStopped = onStopped;
        var thread = new Thread(Run) { IsBackground = true, Name = $"consumer-{_settings.GroupId}" };
        thread.Start();
    }

    /// <summary>Takes the next buffered message; when there is none, asks to be told when one arrives.</summary>
    public bool TryTake(out CommittableMessage message)
    {
        lock (_gate)
        {
            if (_buffer.TryDequeue(out message!))
            {
                if (_waitingForRoom && _buffer.Count == _settings.BufferSize / 2) _wake.Release();
                return true;
            }
            _wanted = true;
            return false;
        }
    }

    public Task StopAsync()
    {
        Action? stopped;
        lock (_gate)
        {
            _emitting = false;
            _buffer.Clear();
            stopped = _onStopped;
        }
        stopped?.Invoke();
        return Task.CompletedTask;
    }

    public Task ShutdownAsync()
    {
        lock (_gate) { _emitting = false; _buffer.Clear(); }
        Interlocked.CompareExchange(ref _closeRequest, 1, 0);
        if (_client is null && _onAvailable is null) _shutdown.TrySetResult();
        return _shutdown.Task;
    }

    public Task AbortAsync()
    {
        lock (_gate) { _emitting = false; _buffer.Clear(); }
        _closeRequest = 2;
        if (_client is null && _onAvailable is null) _shutdown.TrySetResult();
        return _shutdown.Task;
    }

    /// <summary>Queues the highest processed offset per partition; the task completes once committed (or safely dropped).</summary>
    public Task CommitAsync(IReadOnlyList<CommittableOffset> offsets)
    {
        if (_shutdown.Task.IsCompleted)
            return Task.FromException(new InvalidOperationException("The consumer has left its group; offsets cannot be committed any more."));
        var request = new CommitRequest(offsets, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _commits.Enqueue(request);
        if (_waitingForRoom) _wake.Release();
        return request.Done.Task;
    }

    private void Run()
    {
        Exception? failure = null;
        try
        {
            _client = _transport.CreateConsumer(_settings.ToOptions());
            _client.Subscribe(OnAssigned, OnRevoked);
            DateTime? fullSince = null;
            while (_closeRequest == 0)
            {
                ProcessCommits();
                bool full, lowWater;
                lock (_gate)
                {
                    full = !_emitting || _buffer.Count >= _settings.BufferSize;
                    lowWater = _emitting && _buffer.Count <= _settings.BufferSize / 2;
                }
                if (_assignmentChanged)
                {
                    _assignmentChanged = false;
                    if (_paused) _client.Pause(_client.Assignment);
                    else _client.Resume(_client.Assignment);
                }
                ConsumedRecord? record;
                try
                {
                    if (full || (_waitingForRoom && !lowWater))
                    {
                        // No demand: stop taking records. librdkafka pausing drops its prefetched records, so only a
                        // stall longer than PauseAfter pauses the partitions; polling then goes on for the group's sake.
                        fullSince ??= DateTime.UtcNow;
                        _waitingForRoom = true;
                        if (!_paused && DateTime.UtcNow - fullSince > _settings.PauseAfter)
                        {
                            _client.Pause(_client.Assignment);
                            _paused = true;
                        }
                        record = _paused ? _client.Consume(TimeSpan.Zero) : null;
                        if (record is null)
                        {
                            _wake.Wait(_settings.PollTimeout);
                            continue;
                        }
                    }
                    else
                    {
                        fullSince = null;
                        _waitingForRoom = false;
                        if (_paused)
                        {
                            _client.Resume(_client.Assignment);
                            _paused = false;
                        }
                        record = _client.Consume(_settings.PollTimeout);
                    }
                }
                catch (Exception e) when (_settings.Decider(e) == Directive.Resume)
                {
                    _log.LogWarning("Consumer {Group}: {Error} (continuing)", _settings.GroupId, e.Message);
                    Thread.Sleep(_settings.PollTimeout);
                    continue;
                }
                if (record is null) continue;
                Enqueue(record);
            }
            if (_closeRequest == 1) ProcessCommits(wait: true);
        }
        catch (Exception e)
        {
            failure = e;
            _log.LogError(e, "Consumer {Group} failed", _settings.GroupId);
        }
        finally
        {
            // Before leaving: librdkafka runs the revoke handler on close, and an abort must commit nothing more.
            try
            {
                _commitInFlight?.Wait();
            }
            catch (AggregateException e)
            {
                _log.LogDebug("Consumer {Group}: last commit failed: {Error}", _settings.GroupId, e.InnerException?.Message);
            }
            while (_commits.TryDequeue(out var c))
                c.Done.TrySetException(new InvalidOperationException("The consumer left its group before these offsets were committed."));
            CloseClient();
            _shutdown.TrySetResult();
            if (failure is not null) _onFailure?.Invoke(failure);
        }
    }

    private void Enqueue(ConsumedRecord record)
    {
        Action? notify = null;
        lock (_gate)
        {
            // A record from a partition revoked meanwhile, or after stop, is not emitted: it is read again later.
            if (!_emitting || !_epochs.TryGetValue(record.Partition, out var epoch)) return;
            var offset = new CommittableOffset(this, record.Partition, record.Offset, epoch);
            _buffer.Enqueue(new CommittableMessage(record.Partition.Topic, record.Partition.Partition, record.Offset, record.Key, record.Value, offset));
            if (_wanted)
            {
                _wanted = false;
                notify = _onAvailable;
            }
        }
        notify?.Invoke();
    }

    private void OnAssigned(IReadOnlyList<PartitionId> partitions)
    {
        lock (_gate)
            foreach (var p in partitions) _epochs[p] = ++_epochCounter;
        _assignmentChanged = true;
        _log.LogInformation("Consumer {Group}: assigned {Partitions}", _settings.GroupId, string.Join(", ", partitions));
    }

    private void OnRevoked(IReadOnlyList<PartitionId> partitions)
    {
        // Commit what was processed while the partitions are still ours; anything later for them is dropped by epoch.
        ProcessCommits(wait: true);
        lock (_gate)
        {
            var revoked = partitions.ToHashSet();
            foreach (var p in revoked) _epochs.Remove(p);
            var keep = _buffer.Where(m => !revoked.Contains(m.CommittableOffset.Partition)).ToList();
            _buffer.Clear();
            foreach (var m in keep) _buffer.Enqueue(m);
        }
        _log.LogInformation("Consumer {Group}: revoked {Partitions}", _settings.GroupId, string.Join(", ", partitions));
    }

    /// <summary>
    /// Takes every queued commit request, keeps the offsets of partitions still assigned in the same epoch, and
    /// commits the highest per partition in one call. In the poll loop the broker round trip runs beside the
    /// loop (one at a time, so commits stay in order) and polling goes on; on revoke and shutdown it is waited for.
    /// </summary>
    private void ProcessCommits(bool wait = false)
    {
        if (_commitInFlight is { IsCompleted: false } inFlight)
        {
            if (!wait) return;
            inFlight.Wait();
        }
        var requests = new List<CommitRequest>();
        while (_commits.TryDequeue(out var request)) requests.Add(request);
        if (requests.Count == 0) return;

        List<PartitionOffset> valid;
        var total = requests.Sum(r => r.Offsets.Count);
        lock (_gate)
        {
            valid = requests.SelectMany(r => r.Offsets)
                .Where(o => _epochs.TryGetValue(o.Partition, out var e) && e == o.AssignmentEpoch)
                .GroupBy(o => o.Partition)
                .Select(g => new PartitionOffset(g.Key, g.Max(o => o.Offset) + 1))
                .ToList();
        }
        if (valid.Count == 0)
        {
            if (total > 0) _log.LogDebug("Consumer {Group}: dropped {Count} offsets of partitions no longer assigned", _settings.GroupId, total);
            foreach (var r in requests) r.Done.TrySetResult();
            return;
        }
        var client = _client!;
        void Commit()
        {
            try
            {
                client.Commit(valid);
                foreach (var r in requests) r.Done.TrySetResult();
            }
            catch (Exception e) when (_settings.Decider(e) == Directive.Resume)
            {
                // Dropping a refused commit only means those messages may be read again (at-least-once).
                _log.LogWarning("Consumer {Group}: commit refused ({Error}); the messages may be delivered again", _settings.GroupId, e.Message);
                foreach (var r in requests) r.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var r in requests) r.Done.TrySetException(e);
            }
        }
        if (wait) Commit();
        else _commitInFlight = Task.Run(Commit);
    }

    private void CloseClient()
    {
        var client = _client;
        if (client is null) return;
        try
        {
            client.Close();
        }
        catch (Exception e)
        {
            _log.LogWarning("Consumer {Group}: leaving the group failed: {Error}", _settings.GroupId, e.Message);
        }
        finally
        {
            client.Dispose();
        }
    }
}
