using MusicRec.Catalog;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

/// <summary>
/// What every <see cref="ITrackStore"/> must do. Each store has a subclass; MongoDB's runs only when
/// MUSICREC_MONGO_URL is set and is otherwise reported as not run.
/// </summary>
public abstract class TrackStoreContractTests : IAsyncLifetime
{
    protected ITrackStore Store { get; private set; } = null!;

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<ITrackStore> OpenEmptyAsync();

    /// <summary>
    /// Whether -0.0 reads back as -0.0. The MongoDB C# driver reads a BSON -0.0 as +0.0 (it shares one cached
    /// zero); the value is equal, only the sign bit of zero is lost.
    /// </summary>
    protected virtual bool KeepsSignOfZero => true;

    /// <summary>Removes whatever <see cref="OpenEmptyAsync"/> created, after the store is disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => Store = await OpenEmptyAsync();

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await CleanUpAsync();
    }

    [StoreFact]
    public async Task Empty_store_counts_zero_and_streams_nothing()
    {
        Assert.Equal(0, await Store.CountAsync());
        Assert.Empty(await Store.StreamAllAsync().CollectAsync());
        Assert.Empty(await Store.GetByIdsAsync([1, 2, 3]));
    }

    [StoreFact]
    public async Task Ping_answers_true()
    {
        Assert.True(await Store.PingAsync());
    }

    [StoreFact]
    public async Task Documents_from_features_csv_keep_all_518_statistics_and_their_source()
    {
        var docs = new[] { TestDocuments.FromFeaturesCsv(5), TestDocuments.Make(6), TestDocuments.FromFeaturesCsv(7) };
        await Store.UpsertAsync(docs);
        var back = await Store.StreamAllAsync().CollectAsync();
        Assert.Equal([518, 154, 518], back.Select(d => d.Features.Length));
        Assert.Equal(["features.csv", "audio", "features.csv"], back.Select(d => d.FeatureSource));
        for (var i = 0; i < docs.Length; i++) TestDocuments.AssertSame(docs[i], back[i]);

        // Any of the 518 is a column; one only features.csv has is null for a track from audio.
        string[] columns = ["track_id", "feature_source", "mfcc_mean_01", "chroma_cens_kurtosis_01", "spectral_rolloff_std_01"];
        var rows = await Store.StreamAsync(columns).CollectAsync();
        Assert.Equal(3, rows.Count);
        for (var i = 0; i < docs.Length; i++)
            foreach (var c in columns) TestDocuments.AssertSameValue(TrackDocumentColumns.Read(docs[i], c), rows[i][c], $"{docs[i].TrackId}.{c}");
        Assert.Null(rows[1]["chroma_cens_kurtosis_01"]);
    }

    [StoreFact]
    public async Task Upserted_documents_read_back_the_same()
    {
        var docs = TestDocuments.Range(1, 40);
        await Store.UpsertAsync(docs);
        Assert.Equal(40, await Store.CountAsync());
        var back = await Store.StreamAllAsync().CollectAsync();
        Assert.Equal(40, back.Count);
        for (var i = 0; i < docs.Count; i++) TestDocuments.AssertSame(docs[i], back[i]);
    }

    [StoreFact]
    public async Task Rerunning_the_same_batch_keeps_count_and_content()
    {
        var docs = TestDocuments.Range(10, 25);
        await Store.UpsertAsync(docs);
        var first = await Store.StreamAllAsync().CollectAsync();
        await Store.UpsertAsync(docs);
        await Store.UpsertAsync(docs.AsEnumerable().Reverse().ToList());
        Assert.Equal(25, await Store.CountAsync());
        var second = await Store.StreamAllAsync().CollectAsync();
        Assert.Equal(first.Count, second.Count);
        for (var i = 0; i < first.Count; i++) TestDocuments.AssertSame(first[i], second[i]);
    }

    [StoreFact]
    public async Task Upsert_replaces_a_document_with_the_same_track_id()
    {
        await Store.UpsertAsync(TestDocuments.Range(1, 5, seed: 1));
        var replacement = TestDocuments.Make(3, seed: 2, title: "Replaced");
        replacement = replacement with { Metadata = replacement.Metadata with { Echonest = new Dictionary<string, double>(), FileName = null, Genres = [] } };
        await Store.UpsertAsync([replacement]);
        Assert.Equal(5, await Store.CountAsync());
        var back = Assert.Single(await Store.GetByIdsAsync([3]));
        TestDocuments.AssertSame(replacement, back);
        TestDocuments.AssertSame(TestDocuments.Make(2, seed: 1), Assert.Single(await Store.GetByIdsAsync([2])));
    }

    [StoreFact]
    public async Task GetByIds_returns_the_existing_ids_only()
    {
        var docs = TestDocuments.Range(1, 20);
        await Store.UpsertAsync(docs);
        var back = await Store.GetByIdsAsync([17, 2, 999, 5, 2]);
        Assert.Equal([2, 5, 17], back.Select(d => d.TrackId).Order());
        foreach (var d in back) TestDocuments.AssertSame(docs[d.TrackId - 1], d);
        Assert.Empty(await Store.GetByIdsAsync([]));
    }

    [StoreFact]
    public async Task GetByIds_handles_more_ids_than_one_statement_takes()
    {
        await Store.UpsertAsync(TestDocuments.Range(1, 1500));
        var ids = Enumerable.Range(0, 1400).Select(i => i * 2 + 1).ToList();
        var back = await Store.GetByIdsAsync(ids);
        Assert.Equal(ids.Where(i => i <= 1500).Order(), back.Select(d => d.TrackId).Order());
    }

    [StoreFact]
    public async Task StreamAll_is_in_track_id_order_whatever_the_insert_order()
    {
        var ids = new[] { 50, 3, 1000, 7, 42, 1, 999_999, 12 };
        foreach (var chunk in ids.Chunk(3)) await Store.UpsertAsync(chunk.Select(i => TestDocuments.Make(i)).ToList());
        Assert.Equal(ids.Order(), (await Store.StreamAllAsync().CollectAsync()).Select(d => d.TrackId));
        Assert.Equal(ids.Order().Cast<object?>(), (await Store.StreamAsync(["track_id"]).CollectAsync()).Select(r => r["track_id"]));
    }

    [StoreFact]
    public async Task Projection_gives_exactly_the_asked_columns_with_the_document_values()
    {
        var docs = TestDocuments.Range(1, 30);
        await Store.UpsertAsync(docs);
        foreach (var columns in new[]
                 {
                     TrackDocumentColumns.DefaultExport,
                     TrackDocumentColumns.All,
                     ["mfcc_std_03", "zcr_kurtosis_01", "echonest_tempo", "title"],
                     ["genres", "duration", "album_id"],
                 })
        {
            var rows = await Store.StreamAsync(columns).CollectAsync();
            Assert.Equal(docs.Count, rows.Count);
            for (var i = 0; i < docs.Count; i++)
            {
                Assert.Equal(columns.Order(StringComparer.Ordinal), rows[i].Keys.Order(StringComparer.Ordinal));
                foreach (var c in columns)
                    TestDocuments.AssertSameValue(TrackDocumentColumns.Read(docs[i], c), rows[i][c], $"track {docs[i].TrackId} column {c}");
            }
        }
    }

    [StoreFact]
    public async Task Projection_with_an_unknown_column_fails_listing_the_valid_ones()
    {
        await Store.UpsertAsync(TestDocuments.Range(1, 2));
        var e = await Assert.ThrowsAsync<UnknownColumnException>(async () => await Store.StreamAsync(["File_Name", "nope"]).CollectAsync());
        Assert.Contains("'nope'", e.Message);
        Assert.Contains("Spectral_Centroid", e.Message);
    }

    [StoreFact]
    public async Task Doubles_round_trip_exactly_to_the_bit()
    {
        var rng = new Random(12345);
        var specials = new[]
        {
            0.0, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1e-308, 2.2250738585072014E-308,
            0.1, 1.0 / 3.0, Math.PI, -Math.E, 123456789.123456789, 5e-324, 1.7976931348623157e308, 9007199254740993.0,
        };
        var docs = new List<TrackDocument>();
        for (var id = 1; id <= 20; id++)
        {
            var features = new double[AudioFeatures.ColumnNames.Count];
            for (var i = 0; i < features.Length; i++)
            {
                // Random bit patterns cover every exponent; non-finite ones are replaced (they have their own test).
                var bits = rng.NextInt64(long.MinValue, long.MaxValue);
                var v = BitConverter.Int64BitsToDouble(bits);
                features[i] = double.IsFinite(v) ? v : specials[i % specials.Length];
            }
            for (var i = 0; i < specials.Length; i++) features[(id + i * 7) % features.Length] = specials[i];
            var d = TestDocuments.Make(id);
            docs.Add(d with
            {
                Mfccs = features[..20], SpectralCentroid = features[140], ZeroCrossingRate = features[147], Features = features,
                Metadata = d.Metadata with { DurationSeconds = features[30], Echonest = new Dictionary<string, double> { ["tempo"] = features[31], ["energy"] = -0.0 } },
            });
        }
        await Store.UpsertAsync(docs);
        if (!KeepsSignOfZero) docs = docs.Select(TestDocuments.WithoutNegativeZero).ToList();
        var back = await Store.StreamAllAsync().CollectAsync();
        for (var i = 0; i < docs.Count; i++) TestDocuments.AssertSame(docs[i], back[i]);
        var rows = await Store.StreamAsync(TrackDocumentColumns.All).CollectAsync();
        for (var i = 0; i < docs.Count; i++)
            foreach (var c in TrackDocumentColumns.All)
                TestDocuments.AssertSameValue(TrackDocumentColumns.Read(docs[i], c), rows[i][c], $"column {c}");
    }

    [StoreFact]
    public async Task Non_finite_statistics_survive()
    {
        var d = TestDocuments.Make(5);
        var features = (double[])d.Features.Clone();
        features[0] = double.NaN;
        features[1] = double.PositiveInfinity;
        features[2] = double.NegativeInfinity;
        d = d with { Features = features, Mfccs = features[..20], SpectralCentroid = double.NaN };
        await Store.UpsertAsync([d]);
        TestDocuments.AssertSame(d, Assert.Single(await Store.GetByIdsAsync([5])));
    }

    [StoreFact]
    public async Task Unicode_and_markup_in_text_survive()
    {
        string[] titles =
        [
            "<script>alert('x')</script> & \"quotes\", commas",
            "Björk — Jóga ♪ 日本語のタイトル 🎵 Ελληνικά",
            "line one\nline two\r\n\ttabbed",
            "'; DROP TABLE tracks; --",
            "{\"json\": [1,2]} $where: 1 . dots.and$dollars",
            "",
        ];
        var docs = titles.Select((t, i) =>
        {
            var d = TestDocuments.Make(i + 1, title: t);
            return d with { Metadata = d.Metadata with { ArtistName = t, AlbumTitle = t, FileName = $"ü/{t.Length}.mp3" } };
        }).ToList();
        await Store.UpsertAsync(docs);
        var back = await Store.StreamAllAsync().CollectAsync();
        Assert.Equal(titles, back.Select(d => d.Metadata.Title));
        for (var i = 0; i < docs.Count; i++) TestDocuments.AssertSame(docs[i], back[i]);
    }

    [StoreFact]
    public async Task Optional_fields_absent_read_back_absent()
    {
        var d = TestDocuments.Make(8);
        d = d with
        {
            Metadata = new TrackRecord { TrackId = 8 },
        };
        await Store.UpsertAsync([d]);
        TestDocuments.AssertSame(d, Assert.Single(await Store.GetByIdsAsync([8])));
        var row = Assert.Single(await Store.StreamAsync(["File_Name", "genre_id", "duration", "echonest_tempo", "genres"]).CollectAsync());
        Assert.Null(row["File_Name"]);
        Assert.Null(row["genre_id"]);
        Assert.Null(row["duration"]);
        Assert.Null(row["echonest_tempo"]);
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<int>>(row["genres"]));
    }

    [StoreFact]
    public async Task Concurrent_upserts_lose_nothing_and_duplicate_nothing()
    {
        // Eight writers, overlapping id ranges, the same content per id: the result is the union, once each.
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            foreach (var chunk in TestDocuments.Range(w * 50 + 1, 150).Chunk(25)) await Store.UpsertAsync(chunk);
        }));
        var reader = Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++) _ = await Store.CountAsync();
        });
        await Task.WhenAll(writers.Append(reader));
        var expectedIds = Enumerable.Range(1, 7 * 50 + 150).ToList();
        Assert.Equal(expectedIds.Count, await Store.CountAsync());
        var back = await Store.StreamAllAsync().CollectAsync();
        Assert.Equal(expectedIds, back.Select(d => d.TrackId));
        foreach (var d in back) TestDocuments.AssertSame(TestDocuments.Make(d.TrackId), d);
    }

    [StoreFact]
    public async Task Empty_batch_changes_nothing()
    {
        await Store.UpsertAsync([]);
        Assert.Equal(0, await Store.CountAsync());
    }

    [StoreFact]
    public async Task Document_whose_metadata_names_another_track_is_refused()
    {
        var bad = TestDocuments.Make(1) with { TrackId = 2 };
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpsertAsync([TestDocuments.Make(5), bad]));
        // The batch is refused as a whole: nothing of it was written.
        Assert.Equal(0, await Store.CountAsync());
    }
}

public sealed class SqliteTrackStoreContractTests : TrackStoreContractTests
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "musicrec-tests", Guid.NewGuid().ToString("N"));

    protected override Task<ITrackStore> OpenEmptyAsync() =>
        Task.FromResult(TrackStoreFactory.Open($"sqlite:{Path.Combine(_folder, "nested", "store.db")}"));

    protected override Task CleanUpAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class InMemoryTrackStoreContractTests : TrackStoreContractTests
{
    protected override Task<ITrackStore> OpenEmptyAsync() => Task.FromResult<ITrackStore>(new InMemoryTrackStore());
}

[RequiresMongo]
public sealed class MongoTrackStoreContractTests : TrackStoreContractTests
{
    private MongoTrackStore? _store;

    protected override Task<ITrackStore> OpenEmptyAsync()
    {
        // A collection of its own per test, dropped afterwards; the database is the URL's (default MYDB).
        var uri = StoreUri.Parse(Environment.GetEnvironmentVariable(StoreUri.MongoUrlVariable)!)
            .WithCollection($"MTDATA_test_{Guid.NewGuid():N}");
        _store = new MongoTrackStore(uri, batchSize: 100);
        return Task.FromResult<ITrackStore>(_store);
    }

    protected override bool KeepsSignOfZero => false;

    protected override async Task CleanUpAsync()
    {
        // The store is disposed; a second client drops the test collection.
        if (_store is null) return;
        await using var cleaner = new MongoTrackStore(_store.Uri);
        await cleaner.DropAsync();
    }
}
