using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MusicRec.Stores;

/// <summary>A store in process memory: for tests and for running the recommender on a catalogue already loaded.</summary>
public sealed class InMemoryTrackStore : ITrackStore
{
    private readonly ConcurrentDictionary<int, TrackDocument> _docs = new();

    public InMemoryTrackStore(IEnumerable<TrackDocument>? documents = null)
    {
        foreach (var d in documents ?? []) _docs[d.TrackId] = d;
    }

    public string Describe() => "in-memory";

    public Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default)
    {
        foreach (var d in batch) TrackDocumentChecks.Validate(d);
        foreach (var d in batch) _docs[d.TrackId] = d;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default) =>
        Task.FromResult<IReadOnlyList<TrackDocument>>(trackIds.Distinct().Select(id => _docs.TryGetValue(id, out var d) ? d : null).OfType<TrackDocument>().ToList());

    public async IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(
        IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var d in StreamAllAsync(ct))
            yield return TrackDocumentColumns.Project(d, columns);
    }

    public async IAsyncEnumerable<TrackDocument> StreamAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var id in _docs.Keys.Order())
        {
            ct.ThrowIfCancellationRequested();
            if (_docs.TryGetValue(id, out var d)) yield return d;
        }
        await Task.CompletedTask;
    }

    public Task<long> CountAsync(CancellationToken ct = default) => Task.FromResult((long)_docs.Count);

    public Task<bool> PingAsync(CancellationToken ct = default) => Task.FromResult(true);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
