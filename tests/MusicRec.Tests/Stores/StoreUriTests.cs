using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

public class StoreUriTests
{
    [Fact]
    public void Sqlite_uri_names_a_full_path()
    {
        var uri = StoreUri.Parse("sqlite:out/musicrec.db");
        Assert.Equal(StoreKind.Sqlite, uri.Kind);
        Assert.Equal(Path.GetFullPath("out/musicrec.db"), uri.SqlitePath);
        Assert.Equal($"sqlite:{Path.GetFullPath("out/musicrec.db")}", uri.Describe());
        Assert.Equal("/tmp/x.db", StoreUri.Parse("sqlite:///tmp/x.db").SqlitePath);
        Assert.Equal("/tmp/x.db", StoreUri.Parse("SQLITE:/tmp/x.db").SqlitePath);
    }

    [Fact]
    public void Mongo_uri_defaults_to_the_original_database_and_collection()
    {
        var uri = StoreUri.Parse("mongodb://localhost:27017");
        Assert.Equal(StoreKind.Mongo, uri.Kind);
        Assert.Equal("MYDB", uri.Database);
        Assert.Equal("MTDATA", uri.Collection);
        Assert.Equal("mongodb://localhost:27017/", uri.MongoConnectionString);
        Assert.Equal("MYDB", StoreUri.Parse("mongodb://localhost:27017/").Database);
    }

    [Fact]
    public void Mongo_uri_names_database_and_collection_and_keeps_driver_options()
    {
        var uri = StoreUri.Parse("mongodb://u:p@h1:27017,h2:27018/Music?replicaSet=rs0&collection=Tracks&authSource=admin");
        Assert.Equal("Music", uri.Database);
        Assert.Equal("Tracks", uri.Collection);
        // 'collection' is ours, not a driver option: it is not handed to the driver.
        Assert.Equal("mongodb://u:p@h1:27017,h2:27018/Music?replicaSet=rs0&authSource=admin", uri.MongoConnectionString);
    }

    [Fact]
    public void Mongo_srv_uri_is_accepted()
    {
        var uri = StoreUri.Parse("mongodb+srv://user:pw@cluster0.example.net/MYDB?collection=MTDATA&retryWrites=true");
        Assert.Equal(StoreKind.Mongo, uri.Kind);
        Assert.Equal("mongodb+srv://user:pw@cluster0.example.net/MYDB?retryWrites=true", uri.MongoConnectionString);
        Assert.DoesNotContain("pw", uri.Describe().Replace("mongodb", ""));
    }

    [Theory]
    [InlineData("mongodb://alice:s3cr%40t@db.example:27017/MYDB?collection=MTDATA")]
    [InlineData("mongodb://alice:s3cr:t@db.example:27017")]
    [InlineData("mongodb+srv://alice:s3cr3t@cluster0.example.net/?collection=X")]
    public void Password_is_masked_in_every_description(string text)
    {
        var uri = StoreUri.Parse(text);
        foreach (var shown in new[] { uri.Describe(), uri.ToString(), $"{uri}", StoreUri.Mask(text) })
        {
            Assert.DoesNotContain("s3cr", shown);
            Assert.Contains("alice:***@", shown);
        }
    }

    [Fact]
    public void Description_names_database_and_collection()
    {
        var shown = StoreUri.Parse("mongodb://h:1/Db?collection=Coll").Describe();
        Assert.Contains("database Db", shown);
        Assert.Contains("collection Coll", shown);
    }

    [Theory]
    [InlineData("postgres://u:secret@h/db", "unknown store scheme 'postgres'")]
    [InlineData("musicrec.db", "unknown store scheme")]
    [InlineData("", "empty")]
    [InlineData("sqlite:", "names no file")]
    [InlineData("mongodb:///MYDB", "names no host")]
    [InlineData("mongodb://h/MYDB?collection=", "collection name")]
    [InlineData("mongodb://h/bad.name", "not valid")]
    public void Bad_uris_get_a_clear_error_without_the_password(string text, string expected)
    {
        var e = Assert.Throws<StoreException>(() => StoreUri.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [Fact]
    public void Resolution_order_is_option_then_MUSICREC_STORE_then_MUSICREC_MONGO_URL_then_default()
    {
        var env = new Dictionary<string, string?>();
        string? Lookup(string name) => env.GetValueOrDefault(name);

        Assert.Equal(Path.GetFullPath("./musicrec.db"), StoreUri.Resolve(null, StoreUri.DefaultSqlite, Lookup).SqlitePath);
        env["MUSICREC_MONGO_URL"] = "mongodb://m:27017";
        Assert.Equal(StoreKind.Mongo, StoreUri.Resolve(null, StoreUri.DefaultSqlite, Lookup).Kind);
        env["MUSICREC_STORE"] = "sqlite:/tmp/from-env.db";
        Assert.Equal("/tmp/from-env.db", StoreUri.Resolve("  ", StoreUri.DefaultSqlite, Lookup).SqlitePath);
        Assert.Equal("/tmp/explicit.db", StoreUri.Resolve("sqlite:/tmp/explicit.db", StoreUri.DefaultSqlite, Lookup).SqlitePath);
        env.Clear();
        Assert.Equal(Path.GetFullPath("/data/out/musicrec.db"), StoreUri.Resolve(null, StoreUri.DefaultForEtl("/data/out"), Lookup).SqlitePath);
    }

    [Fact]
    public void Factory_opens_the_named_store_and_refuses_unknown_schemes()
    {
        Assert.Throws<StoreException>(() => TrackStoreFactory.Open("redis://h:6379"));
        var missing = Path.Combine(Path.GetTempPath(), "musicrec-tests", Guid.NewGuid().ToString("N"), "none.db");
        var e = Assert.Throws<StoreException>(() => TrackStoreFactory.Open($"sqlite:{missing}", createIfMissing: false));
        Assert.Contains("does not exist", e.Message);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task Factory_opens_mongo_without_connecting_and_describes_it_masked()
    {
        await using var store = TrackStoreFactory.Open("mongodb://bob:hunter2@127.0.0.1:1/MYDB?collection=MTDATA&serverSelectionTimeoutMS=300");
        Assert.IsType<MongoTrackStore>(store);
        Assert.DoesNotContain("hunter2", store.Describe());
        Assert.Contains("bob:***@127.0.0.1:1", store.Describe());
    }

    [Fact]
    public async Task Unreachable_mongo_pings_false_quickly()
    {
        await using var store = new MongoTrackStore(StoreUri.Parse("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(await store.PingAsync());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"ping took {clock.Elapsed}");
    }

    [Fact]
    public void Invalid_mongo_options_fail_clearly_without_the_password()
    {
        var e = Assert.Throws<StoreException>(() => new MongoTrackStore(StoreUri.Parse("mongodb://bob:hunter2@h:27017/MYDB?connectTimeoutMS=notanumber")));
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.Contains("invalid MongoDB URI", e.Message);
    }

    [Fact]
    public async Task Unreachable_mongo_fails_reads_and_writes_with_a_store_error_after_retrying_without_the_password()
    {
        var notes = new List<string>();
        var retry = new MongoRetry(maxAttempts: 2, firstDelay: TimeSpan.FromMilliseconds(10), log: notes.Add);
        await using var store = new MongoTrackStore(
            StoreUri.Parse("mongodb://bob:hunter2@127.0.0.1:1/MYDB?serverSelectionTimeoutMS=300&connectTimeoutMS=300"), retry: retry);
        var count = await Assert.ThrowsAsync<StoreException>(() => store.CountAsync());
        Assert.Contains("counting mongodb://bob:***@127.0.0.1:1/", count.Message);
        Assert.DoesNotContain('\n', count.Message);
        var write = await Assert.ThrowsAsync<StoreException>(() => store.UpsertAsync(TestDocuments.Range(1, 2)));
        foreach (var text in notes.Append(count.Message).Append(write.Message)) Assert.DoesNotContain("hunter2", text);
        Assert.NotEmpty(notes);
    }
}
