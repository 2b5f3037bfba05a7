using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;

namespace MusicRec.Stores;

/// <summary>
/// The embedded default store: one SQLite file (WAL, synchronous=NORMAL), one row per track keyed by
/// <c>track_id</c>, columns named as <see cref="TrackDocumentColumns"/>. <c>MFCCs</c>, the genre lists and the
/// echonest map are JSON text (doubles shortest-round-trip, so they read back to the same bits); the statistics
/// (154 from audio, 518 from FMA's features.csv; <c>feature_source</c> says which) are one compact blob of little-endian float64 (<c>features</c>): a third of the JSON's size and no
/// number formatting, which is what keeps a 100k-track load within its time. Creates its file and folder.
/// </summary>
public sealed class SqliteTrackStore : ITrackStore
{
    // 2 added feature_source; a version-1 file is upgraded in place (its tracks all came from audio).
    private const int SchemaVersion = 2;
    private const string Table = "tracks";

    /// <summary>SQL columns in insert order; the names match <see cref="TrackDocumentColumns"/> where the column is scalar.</summary>
    private static readonly string[] SqlColumns =
    [
        "track_id", "File_Name", "title", "artist_id", "artist_name", "album_id", "album_title", "genre_id",
        "genre_top", "genres", "genres_all", "duration", "subset", "echonest", "MFCCs", "Spectral_Centroid",
        "Zero_Crossing_Rate", "features", "feature_source",
    ];

    private static readonly string SelectAll = string.Join(", ", SqlColumns);

    private readonly string _connectionString;
    // One writer at a time inside the process: SQLite has a single write lock anyway, and waiting here is cheaper than busy retries.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public SqliteTrackStore(string path, bool createIfMissing = true)
    {
        FilePath = System.IO.Path.GetFullPath(path);
        if (!createIfMissing && !File.Exists(FilePath))
            throw new StoreException($"the store sqlite:{FilePath} does not exist; run 'musicrec etl' first or pass --store");
        var folder = System.IO.Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        Initialise();
    }

    /// <summary>Full path of the database file.</summary>
    public string FilePath { get; }

    public string Describe() => $"sqlite:{FilePath}";

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var pragma = c.CreateCommand();
        // synchronous is per connection; NORMAL under WAL is durable against process crashes, fast on commit.
        // A 1 MB page cache: every access here is sequential (upserts in track_id order, read-back and streaming in
        // order), so a page is not read again and a bigger cache only fills up with the file: 8 MB made the ETL's
        // memory grow with the catalogue (SQLite held 2.3 MB at 1,000 tracks, 9 MB at 10,000), at no speed gain.
        pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-1024;";
        pragma.ExecuteNonQuery();
        return c;
    }

    private void Initialise()
    {
        try
        {
            using var c = Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL;";
            var mode = cmd.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new StoreException($"could not switch sqlite:{FilePath} to WAL mode (got '{mode}')");
            cmd.CommandText = "PRAGMA user_version;";
            var version = Convert.ToInt32(cmd.ExecuteScalar());
            if (version != 0 && version != 1 && version != SchemaVersion)
                throw new StoreException($"sqlite:{FilePath} has schema version {version}; this build reads versions 1 and {SchemaVersion}. Use a new file.");
            if (version == 1)
            {
                cmd.CommandText = $"ALTER TABLE {Table} ADD COLUMN feature_source TEXT NOT NULL DEFAULT '{FeatureSources.Audio}'; PRAGMA user_version = {SchemaVersion};";
                cmd.ExecuteNonQuery();
            }
            cmd.CommandText = $"""
                CREATE TABLE IF NOT EXISTS {Table} (
                  track_id INTEGER PRIMARY KEY,
                  File_Name TEXT,
                  title TEXT NOT NULL,
                  artist_id INTEGER,
                  artist_name TEXT NOT NULL,
                  album_id INTEGER,
                  album_title TEXT NOT NULL,
                  genre_id INTEGER,
                  genre_top TEXT NOT NULL,
                  genres TEXT NOT NULL,
                  genres_all TEXT NOT NULL,
                  duration REAL,
                  subset TEXT NOT NULL,
                  echonest TEXT NOT NULL,
                  MFCCs TEXT NOT NULL,
                  Spectral_Centroid REAL,
                  Zero_Crossing_Rate REAL,
                  features BLOB NOT NULL,
                  feature_source TEXT NOT NULL DEFAULT '{FeatureSources.Audio}'
                );
                PRAGMA user_version = {SchemaVersion};
                """;
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw new StoreException($"cannot open sqlite:{FilePath}: {e.Message}", e);
        }
    }

    public async Task UpsertAsync(IReadOnlyList<TrackDocument> batch, CancellationToken ct = default)
    {
        if (batch.Count == 0) return;
        await _writeLock.WaitAsync(ct);
        try
        {
            using var c = Open();
            using var tx = c.BeginTransaction();
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText =
                $"INSERT INTO {Table} ({SelectAll}) VALUES ({string.Join(", ", SqlColumns.Select((_, i) => "$p" + i))}) " +
                $"ON CONFLICT(track_id) DO UPDATE SET {string.Join(", ", SqlColumns.Skip(1).Select(n => $"{n}=excluded.{n}"))};";
            var p = new SqliteParameter[SqlColumns.Length];
            for (var i = 0; i < p.Length; i++) p[i] = cmd.Parameters.Add(new SqliteParameter("$p" + i, null));
            cmd.Prepare();
            foreach (var d in batch)
            {
                ct.ThrowIfCancellationRequested();
                TrackDocumentChecks.Validate(d);
                var m = d.Metadata;
                p[0].Value = d.TrackId;
                p[1].Value = (object?)m.FileName ?? DBNull.Value;
                p[2].Value = m.Title;
                p[3].Value = (object?)m.ArtistId ?? DBNull.Value;
                p[4].Value = m.ArtistName;
                p[5].Value = (object?)m.AlbumId ?? DBNull.Value;
                p[6].Value = m.AlbumTitle;
                p[7].Value = (object?)m.GenreId ?? DBNull.Value;
                p[8].Value = m.GenreTop;
                p[9].Value = StoreJson.Ints(m.Genres);
                p[10].Value = StoreJson.Ints(m.GenresAll);
                p[11].Value = Real(m.DurationSeconds);
                p[12].Value = m.Subset;
                p[13].Value = StoreJson.DoubleMap(m.Echonest);
                p[14].Value = StoreJson.Doubles(d.Mfccs);
                p[15].Value = Real(d.SpectralCentroid);
                p[16].Value = Real(d.ZeroCrossingRate);
                p[17].Value = FeatureBlob.ToBytes(d.Features);
                p[18].Value = d.FeatureSource;
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
        catch (SqliteException e)
        {
            throw new StoreException($"writing to sqlite:{FilePath} failed: {e.Message}", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // SQLite has no NaN (it would store NULL; the driver refuses it): NULL it is, and a required double reads NULL back as NaN.
    private static object Real(double? v) => v is { } x && !double.IsNaN(x) ? x : DBNull.Value;

    public async Task<IReadOnlyList<TrackDocument>> GetByIdsAsync(IReadOnlyCollection<int> trackIds, CancellationToken ct = default)
    {
        var result = new List<TrackDocument>(trackIds.Count);
        if (trackIds.Count == 0) return result;
        using var c = Open();
        // Chunks keep the statement under SQLite's parameter limit.
        foreach (var chunk in trackIds.Distinct().Chunk(500))
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {SelectAll} FROM {Table} WHERE track_id IN ({string.Join(", ", chunk.Select((_, i) => "$id" + i))}) ORDER BY track_id;";
            for (var i = 0; i < chunk.Length; i++) cmd.Parameters.AddWithValue("$id" + i, chunk[i]);
            using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) result.Add(ReadDocument(r));
        }
        return result;
    }

    public async IAsyncEnumerable<TrackDocument> StreamAllAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {SelectAll} FROM {Table} ORDER BY track_id;";
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) yield return ReadDocument(r);
    }

    public async IAsyncEnumerable<IReadOnlyDictionary<string, object?>> StreamAsync(
        IReadOnlyList<string> columns, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var plan = Projection.For(columns);
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT {string.Join(", ", plan.SqlColumns)} FROM {Table} ORDER BY track_id;";
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) yield return plan.Read(r);
    }

    public async Task<long> CountAsync(CancellationToken ct = default)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {Table};";
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct));
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            using var c = Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT 1 FROM {Table} LIMIT 1;";
            await cmd.ExecuteScalarAsync(ct);
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        // Release pooled handles so the file can be moved or deleted once the store is closed.
        using (var c = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(c);
        _writeLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private static TrackDocument ReadDocument(SqliteDataReader r)
    {
        var id = r.GetInt32(0);
        return new TrackDocument
        {
            TrackId = id,
            Metadata = new TrackRecord
            {
                TrackId = id,
                FileName = r.IsDBNull(1) ? null : r.GetString(1),
                Title = r.GetString(2),
                ArtistId = NullableInt(r, 3),
                ArtistName = r.GetString(4),
                AlbumId = NullableInt(r, 5),
                AlbumTitle = r.GetString(6),
                GenreId = NullableInt(r, 7),
                GenreTop = r.GetString(8),
                Genres = StoreJson.ParseInts(r.GetString(9)),
                GenresAll = StoreJson.ParseInts(r.GetString(10)),
                DurationSeconds = r.IsDBNull(11) ? null : r.GetDouble(11),
                Subset = r.GetString(12),
                Echonest = StoreJson.ParseDoubleMap(r.GetString(13)),
            },
            Mfccs = StoreJson.ParseDoubles(r.GetString(14)),
            SpectralCentroid = RequiredDouble(r, 15),
            ZeroCrossingRate = RequiredDouble(r, 16),
            Features = FeatureBlob.FromBytes(r.GetFieldValue<byte[]>(17)),
            FeatureSource = r.GetString(18),
        };
    }

    private static int? NullableInt(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    // SQLite stores NaN as NULL; a required double read back as NULL was NaN.
    private static double RequiredDouble(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

    /// <summary>Which SQL columns a projection needs and how each output column is read from them.</summary>
    private sealed class Projection
    {
        private readonly List<string> _sql = [];
        private readonly List<(string Name, Func<SqliteDataReader, RowCache, object?> Read)> _readers = [];

        public IReadOnlyList<string> SqlColumns => _sql;

        public static Projection For(IReadOnlyList<string> columns)
        {
            var unknown = columns.Where(c => !TrackDocumentColumns.IsValid(c)).ToList();
            if (unknown.Count > 0) throw TrackDocumentColumns.UnknownColumns(unknown);
            var p = new Projection();
            foreach (var column in columns) p._readers.Add((column, p.ReaderFor(column)));
            return p;
        }

        private int Ordinal(string sqlColumn)
        {
            var i = _sql.IndexOf(sqlColumn);
            if (i >= 0) return i;
            _sql.Add(sqlColumn);
            return _sql.Count - 1;
        }

        private Func<SqliteDataReader, RowCache, object?> ReaderFor(string column)
        {
            switch (column)
            {
                case "track_id": { var i = Ordinal(column); return (r, _) => r.GetInt32(i); }
                case "artist_id" or "album_id" or "genre_id": { var i = Ordinal(column); return (r, _) => NullableInt(r, i); }
                case "File_Name": { var i = Ordinal(column); return (r, _) => r.IsDBNull(i) ? null : r.GetString(i); }
                case "title" or "artist_name" or "album_title" or "genre_top" or "subset": { var i = Ordinal(column); return (r, _) => r.GetString(i); }
                case "genres" or "genres_all": { var i = Ordinal(column); return (r, _) => StoreJson.ParseInts(r.GetString(i)); }
                case "duration": { var i = Ordinal(column); return (r, _) => r.IsDBNull(i) ? null : r.GetDouble(i); }
                case "MFCCs": { var i = Ordinal(column); return (r, _) => StoreJson.ParseDoubles(r.GetString(i)); }
                case "Spectral_Centroid" or "Zero_Crossing_Rate": { var i = Ordinal(column); return (r, _) => RequiredDouble(r, i); }
                case TrackDocumentColumns.FeatureSourceColumn: { var i = Ordinal(column); return (r, _) => r.GetString(i); }
            }
            if (column.StartsWith("echonest_", StringComparison.Ordinal))
            {
                var i = Ordinal("echonest");
                var key = column["echonest_".Length..];
                return (r, cache) => (cache.Echonest ??= StoreJson.ParseDoubleMap(r.GetString(i))).TryGetValue(key, out var v) ? v : null;
            }
            var index = TrackDocumentColumns.FeatureIndex(column);
            if (index >= 0)
            {
                var i = Ordinal("features");
                return (r, cache) =>
                {
                    var f = cache.Features ??= FeatureBlob.FromBytes(r.GetFieldValue<byte[]>(i));
                    return f.Length > index ? f[index] : null;
                };
            }
            throw TrackDocumentColumns.UnknownColumns([column]);
        }

        public IReadOnlyDictionary<string, object?> Read(SqliteDataReader r)
        {
            var cache = new RowCache();
            var row = new Dictionary<string, object?>(_readers.Count, StringComparer.Ordinal);
            foreach (var (name, read) in _readers) row[name] = read(r, cache);
            return row;
        }
    }

    /// <summary>JSON columns parsed at most once per row, however many of their values are projected.</summary>
    private sealed class RowCache
    {
        public Dictionary<string, double>? Echonest;
        public double[]? Features;
    }
}

/// <summary>Statistics as little-endian float64 bytes: exact to the bit, NaN included, on any platform.</summary>
public static class FeatureBlob
{
    public static byte[] ToBytes(IReadOnlyList<double> values)
    {
        var bytes = new byte[values.Count * sizeof(double)];
        for (var i = 0; i < values.Count; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        return bytes;
    }

    public static double[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(double) != 0) throw new FormatException($"a feature blob of {bytes.Length} bytes is not a whole number of float64 values");
        var values = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * sizeof(double))..]);
        return values;
    }
}
