namespace MusicRec.Stores;

/// <summary>Opens the store a URI names (see <see cref="StoreUri"/>).</summary>
public static class TrackStoreFactory
{
    /// <param name="uri"><c>sqlite:PATH</c> or <c>mongodb://…</c> / <c>mongodb+srv://…</c>.</param>
    /// <param name="createIfMissing">false for readers (export): a missing SQLite file is a clear error instead of a new empty store.</param>
    public static ITrackStore Open(string uri, bool createIfMissing = true) => Open(StoreUri.Parse(uri), createIfMissing);

    public static ITrackStore Open(StoreUri uri, bool createIfMissing = true) => uri.Kind switch
    {
        StoreKind.Sqlite => new SqliteTrackStore(uri.SqlitePath, createIfMissing),
        StoreKind.Mongo => new MongoTrackStore(uri),
        _ => throw new StoreException($"unsupported store {uri}"),
    };
}
