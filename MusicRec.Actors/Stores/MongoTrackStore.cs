using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Driver;

namespace MusicRec.Stores;

/// <summary>
/// The catalogue in MongoDB (database MYDB, collection MTDATA by default): unordered bulk upserts
/// (ReplaceOne, IsUpsert) in batches keyed by <c>track_id</c> with a unique index, retries with backoff on
/// transient errors, projection on the server. Documents: see <see cref="MongoTrackDocumentMapper"/>.
/// The password in the URI is never logged: <see cref="Describe"/> masks it.
/// </summary>
public sealed class MongoTrackStore : ITrackStore
{
    private readonly MongoClient _client;
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoDatabase _database;
    private readonly MongoRetry _retry;
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private bool _indexReady;

    public MongoTrackStore(StoreUri uri, int batchSize = 1000, MongoRetry? retry = null)
    {
        if (uri.Kind != StoreKind.Mongo) throw new ArgumentException($"{uri} is not a MongoDB URI", nameof(uri));
        Uri = uri;
        BatchSize = batchSize > 0 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize));
        _retry = retry ?? new MongoRetry();
        MongoClientSettings settings;
        try
        {
            settings = MongoClientSettings.FromConnectionString(uri.MongoConnectionString);
        }
        catch (Exception e) when (e is MongoConfigurationException or ArgumentException or FormatException)
        {
            // The driver's message may quote the connection string: mask it.
            throw new StoreException($"invalid MongoDB URI {uri.Describe()}: {OneLine(StoreUri.Mask(e.Message))}");
        }
        settings.ApplicationName ??= "musicrec";
        _client = new MongoClient(settings);
        _database = _client.GetDatabase(uri.Database);
        _collection = _database.GetCollection<BsonDocument>(uri.Collection);
    }

    public StoreUri Uri { get; }
    public int BatchSize { get; }

    public string Describe() => Uri.Describe();

    /// <summary>Creates the unique index on <c>track_id</c> (once; idempotent on the server too).</summary>
    public async Task EnsureIndexAsync(CancellationToken ct = default)
    {
        if (_indexReady) return;
        await _indexLock.WaitAsync(ct);
        try
        {
            if (_indexReady) return;
            var model = new CreateIndexModel<BsonDocument>(
                Builders<BsonDocument>.IndexKeys.Ascending("track_id"),
                new CreateIndexOptions { Unique = true, Name = "track_id_unique" });
            try
            {
                await _retry.ExecuteAsync("create index", c => _collection.Indexes.CreateOneAsync(model, cancellationToken: c), ct);
            }
            catch (MongoCommandException e) when (e.Code == 11000)
            {
                throw new StoreException(
                    $"{Describe()} already holds several documents with the same track_id (a load without upserts?), so the unique index on track_id cannot be built; remove the duplicates or use another collection");
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                throw Failure("preparing the unique track_id index of", e);
            }
            _indexReady = true;
        }
        finally
        {
            _indexLock.Release();
        }
    }

    public async Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default)
    {
        if (batch.Count == 0) return;
        var models = batch.Select(d => (WriteModel<BsonDocument>)new ReplaceOneModel<BsonDocument>(
            Builders<BsonDocument>.Filter.Eq("track_id", d.TrackId), MongoTrackDocumentMapper.ToBson(d)) { IsUpsert = true }).ToList();
        await EnsureIndexAsync(ct);
        var options = new BulkWriteOptions { IsOrdered = false };
        foreach (var chunk in models.Chunk(BatchSize))
        {
            await GuardAsync($"upsert of {chunk.Length} tracks into", c => _collection.BulkWriteAsync(chunk, options, c), ct);
        }
    }

    public async Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default)
    {
        if (trackIds.Count == 0) return [];
        var filter = Builders<BsonDocument>.Filter.In("track_id", trackIds.Distinct());
        var docs = await GuardAsync("reading by ids from",
            c => _collection.Find(filter).Sort(Builders<BsonDocument>.Sort.Ascending("track_id")).ToListAsync(c), ct);
        return docs.Select(MongoTrackDocumentMapper.FromBson).ToList();
    }

    public async IAsyncEnumerable<TrackDocument> StreamAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var doc in FindAllAsync(null, ct)) yield return MongoTrackDocumentMapper.FromBson(doc);
    }

    public async IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(
        IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken ct = default)
    {
        TrackDocumentColumns.Validate(columns);
        var fields = columns.Select(MongoTrackDocumentMapper.FieldFor).Append("track_id").Distinct().ToList();
        var projection = Builders<BsonDocument>.Projection.Combine(
            fields.Select(f => Builders<BsonDocument>.Projection.Include(f)).Append(Builders<BsonDocument>.Projection.Exclude("_id")));
        await foreach (var doc in FindAllAsync(projection, ct)) yield return MongoTrackDocumentMapper.ToRow(doc, columns);
    }

    private async IAsyncEnumerable<BsonDocument> FindAllAsync(
        ProjectionDefinition<BsonDocument>? projection, [EnumeratorCancellation] CancellationToken ct)
    {
        var find = _collection.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = BatchSize })
            .Sort(Builders<BsonDocument>.Sort.Ascending("track_id"));
        var projected = projection is null ? find : find.Project(projection);
        // Opening the cursor is retried; a cursor broken mid-stream surfaces (restarting would repeat rows).
        using var cursor = await GuardAsync("reading", c => projected.ToCursorAsync(c), ct);
        while (true)
        {
            bool more;
            try
            {
                more = await cursor.MoveNextAsync(ct);
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                throw Failure("reading", e);
            }
            if (!more) break;
            foreach (var doc in cursor.Current) yield return doc;
        }
    }

    public Task<long> CountAsync(CancellationToken ct = default) =>
        GuardAsync("counting", c => _collection.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: c), ct);

    /// <summary>Runs an idempotent operation with retries; what still fails becomes one masked <see cref="StoreException"/>.</summary>
    private async Task<T> GuardAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        try
        {
            return await _retry.ExecuteAsync($"{what} {Uri.Database}.{Uri.Collection}", operation, ct);
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            throw Failure(what, e);
        }
    }

    private Task GuardAsync(string what, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        GuardAsync<bool>(what, async c => { await operation(c); return true; }, ct);

    private StoreException Failure(string what, Exception e) =>
        new($"{what} {Describe()} failed: {e.GetType().Name}: {OneLine(StoreUri.Mask(e.Message))}", e);

    /// <summary>The driver's messages can span lines (cluster state, inner stack traces): the user gets one short line.</summary>
    internal static string OneLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await _database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: timeout.Token);
            return true;
        }
        catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Drops the collection (tests clean up with it).</summary>
    public Task DropAsync(CancellationToken ct = default) => _database.DropCollectionAsync(Uri.Collection, ct);

    /// <summary>Names of the collection's indexes, for checking the unique index exists.</summary>
    public async Task<IReadOnlyList<BsonDocument>> ListIndexesAsync(CancellationToken ct = default)
    {
        using var cursor = await _collection.Indexes.ListAsync(ct);
        return await cursor.ToListAsync(ct);
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _indexLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
