using Microsoft.Data.Sqlite;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

public class SqliteTrackStoreTests
{
    [Fact]
    public async Task Creates_folder_and_file_in_WAL_mode_with_the_original_column_names()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "a", "b", "musicrec.db");
        await using (var store = new SqliteTrackStore(path))
            await store.UpsertAsync(TestDocuments.Range(1, 3));
        Assert.True(File.Exists(path));
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string)cmd.ExecuteScalar()!);
        cmd.CommandText = "SELECT name FROM pragma_table_info('tracks');";
        var columns = new List<string>();
        using (var r = cmd.ExecuteReader())
            while (r.Read()) columns.Add(r.GetString(0));
        Assert.Contains("track_id", columns);
        Assert.Contains("File_Name", columns);
        Assert.Contains("MFCCs", columns);
        Assert.Contains("Spectral_Centroid", columns);
        Assert.Contains("Zero_Crossing_Rate", columns);
        Assert.Contains("genre_id", columns);
        cmd.CommandText = "SELECT MFCCs FROM tracks WHERE track_id = 1;";
        var json = (string)cmd.ExecuteScalar()!;
        Assert.StartsWith("[", json);
        Assert.Equal(20, System.Text.Json.JsonDocument.Parse(json).RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_version_1_file_is_upgraded_in_place_and_its_tracks_read_as_from_audio()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "v1.db");
        await using (var store = new SqliteTrackStore(path))
            await store.UpsertAsync(TestDocuments.Range(1, 2));
        // Make it the file an earlier build wrote: no feature_source column, user_version 1.
        await using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "ALTER TABLE tracks DROP COLUMN feature_source; PRAGMA user_version = 1;";
            cmd.ExecuteNonQuery();
        }
        await using (var store = new SqliteTrackStore(path))
        {
            var back = await store.StreamAllAsync().CollectAsync();
            Assert.Equal(["audio", "audio"], back.Select(d => d.FeatureSource));
            await store.UpsertAsync([TestDocuments.FromFeaturesCsv(3)]);
            Assert.Equal("features.csv", Assert.Single(await store.GetByIdsAsync([3])).FeatureSource);
        }
        await using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version;";
            Assert.Equal(2L, (long)cmd.ExecuteScalar()!);
        }
    }

    [Fact]
    public async Task Documents_persist_across_reopening()
    {
        using var temp = new TempFolder();
        var path = temp.File("store.db");
        var docs = TestDocuments.Range(100, 10);
        await using (var store = new SqliteTrackStore(path)) await store.UpsertAsync(docs);
        await using (var reopened = new SqliteTrackStore(path, createIfMissing: false))
        {
            Assert.Equal(10, await reopened.CountAsync());
            var back = await reopened.StreamAllAsync().CollectAsync();
            for (var i = 0; i < docs.Count; i++) TestDocuments.AssertSame(docs[i], back[i]);
        }
    }

    [Fact]
    public async Task Two_store_instances_on_one_file_write_concurrently()
    {
        // The ETL may open the store twice (writer and confirmation); SQLite's lock with a busy timeout serialises them.
        using var temp = new TempFolder();
        var path = temp.File("shared.db");
        await using var a = new SqliteTrackStore(path);
        await using var b = new SqliteTrackStore(path);
        await Task.WhenAll(
            Task.Run(async () => { foreach (var c in TestDocuments.Range(1, 400).Chunk(20)) await a.UpsertAsync(c); }),
            Task.Run(async () => { foreach (var c in TestDocuments.Range(201, 400).Chunk(20)) await b.UpsertAsync(c); }));
        Assert.Equal(600, await a.CountAsync());
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_a_clear_error()
    {
        using var temp = new TempFolder();
        var path = temp.File("not.db");
        File.WriteAllText(path, "this is not a SQLite database, just some text that is long enough to have a header......");
        var e = Assert.Throws<StoreException>(() => new SqliteTrackStore(path));
        Assert.Contains(path, e.Message);
    }
}

public class TrackStoreRegistrationTests
{
    [Fact]
    public async Task The_container_opens_the_named_store_once_and_disposes_it()
    {
        using var temp = new TempFolder();
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddTrackStore(StoreUri.Parse($"sqlite:{temp.File("di.db")}"));
        await using (var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services))
        {
            var store = (ITrackStore)provider.GetService(typeof(ITrackStore))!;
            Assert.Same(store, provider.GetService(typeof(ITrackStore)));
            Assert.IsType<SqliteTrackStore>(store);
            await store.UpsertAsync(TestDocuments.Range(1, 2));
        }
        // Disposed: the last connection closed, so SQLite checkpointed and removed the write-ahead log.
        Assert.True(File.Exists(temp.File("di.db")));
        Assert.False(File.Exists(temp.File("di.db-wal")), "the store's connections are still open after the container was disposed");
    }
}
