using System.Net;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using MusicRec.Dsp;
using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

/// <summary>The MongoDB document shape and the retry policy, checked without a server.</summary>
public class MongoMappingTests
{
    [Fact]
    public void Document_has_the_original_field_names_the_metadata_and_every_statistic()
    {
        var d = TestDocuments.Make(2);
        var doc = MongoTrackDocumentMapper.ToBson(d);
        Assert.False(doc.Contains("_id"));
        Assert.Equal(2, doc["track_id"].AsInt32);
        Assert.Equal("000/000002.mp3", doc["File_Name"].AsString);
        Assert.Equal(20, doc["MFCCs"].AsBsonArray.Count);
        Assert.All(doc["MFCCs"].AsBsonArray, v => Assert.True(v.IsDouble));
        Assert.Equal(d.SpectralCentroid, doc["Spectral_Centroid"].AsDouble);
        Assert.Equal(d.ZeroCrossingRate, doc["Zero_Crossing_Rate"].AsDouble);
        Assert.Equal(d.Metadata.GenreId, doc["genre_id"].AsInt32);
        foreach (var field in new[] { "title", "artist_id", "artist_name", "album_id", "album_title", "genre_top", "genres", "genres_all", "duration", "subset", "echonest" })
            Assert.True(doc.Contains(field), $"missing {field}");
        for (var i = 0; i < AudioFeatures.ColumnNames.Count; i++)
            Assert.Equal(d.Features[i], doc[AudioFeatures.ColumnNames[i]].AsDouble);
        Assert.Equal(d.Metadata.Echonest["tempo"], doc["echonest"]["tempo"].AsDouble);
    }

    [Fact]
    public void A_document_from_features_csv_has_all_518_statistics_as_fields_and_its_source()
    {
        var d = TestDocuments.FromFeaturesCsv(9);
        var doc = MongoTrackDocumentMapper.ToBson(d);
        Assert.Equal("features.csv", doc["feature_source"].AsString);
        var names = MusicRec.Catalog.Features.FmaFeatureColumns.VectorOrder;
        for (var i = 0; i < names.Count; i++) Assert.Equal(d.Features[i], doc[names[i]].AsDouble);
        var back = MongoTrackDocumentMapper.FromBson(BsonSerializer.Deserialize<BsonDocument>(doc.ToBson()));
        TestDocuments.AssertSame(TestDocuments.WithoutNegativeZero(d), back);
        Assert.Equal("audio", MongoTrackDocumentMapper.ToBson(TestDocuments.Make(9))["feature_source"].AsString);
        Assert.False(MongoTrackDocumentMapper.ToBson(TestDocuments.Make(9)).Contains("chroma_cens_kurtosis_01"));
    }

    [Fact]
    public void Document_round_trips_through_bson_bytes_exactly()
    {
        var rng = new Random(7);
        foreach (var id in new[] { 1, 3, 7, 11, 13, 2_000_000 })
        {
            var d = TestDocuments.Make(id);
            var features = d.Features.Select(_ => BitConverter.Int64BitsToDouble(rng.NextInt64())).ToArray();
            features[0] = double.NaN;
            features[1] = -0.0;
            d = d with { Features = features, Mfccs = features[..20], SpectralCentroid = features[140], ZeroCrossingRate = features[147] };
            var bytes = MongoTrackDocumentMapper.ToBson(d).ToBson();
            var back = MongoTrackDocumentMapper.FromBson(BsonSerializer.Deserialize<BsonDocument>(bytes));
            // The driver reads BSON -0.0 back as +0.0 (an equal value); every other bit pattern survives.
            Assert.Equal(0.0, back.Features[1]);
            TestDocuments.AssertSame(TestDocuments.WithoutNegativeZero(d), back);
        }
    }

    [Fact]
    public void Projected_rows_have_the_values_and_types_of_the_column_readers()
    {
        var d = TestDocuments.Make(4);
        var doc = BsonSerializer.Deserialize<BsonDocument>(MongoTrackDocumentMapper.ToBson(d).ToBson());
        var row = MongoTrackDocumentMapper.ToRow(doc, TrackDocumentColumns.All);
        foreach (var c in TrackDocumentColumns.All)
            TestDocuments.AssertSameValue(TrackDocumentColumns.Read(d, c), row[c], c);
        // A document projected on the server lacks the other fields; absent optional fields read as null.
        var projected = new BsonDocument { { "track_id", 4 } };
        Assert.Null(MongoTrackDocumentMapper.ToRow(projected, ["File_Name"])["File_Name"]);
    }

    [Fact]
    public void Columns_map_to_server_field_paths()
    {
        Assert.Equal("MFCCs", MongoTrackDocumentMapper.FieldFor("MFCCs"));
        Assert.Equal("echonest.tempo", MongoTrackDocumentMapper.FieldFor("echonest_tempo"));
        Assert.Equal("mfcc_std_03", MongoTrackDocumentMapper.FieldFor("mfcc_std_03"));
        Assert.Throws<UnknownColumnException>(() => MongoTrackDocumentMapper.FieldFor("nope"));
    }

    [Fact]
    public void Mismatched_track_ids_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MongoTrackDocumentMapper.ToBson(TestDocuments.Make(1) with { TrackId = 9 }));
    }

    private static MongoConnectionException ConnectionLost() =>
        new(new ConnectionId(new ServerId(new ClusterId(), new DnsEndPoint("db.example", 27017))), "connection reset");

    [Fact]
    public void Transient_errors_are_recognised()
    {
        Assert.True(MongoRetry.IsTransient(ConnectionLost()));
        Assert.True(MongoRetry.IsTransient(new TimeoutException("server selection timed out")));
        var labelled = new MongoException("write failed");
        labelled.AddErrorLabel("RetryableWriteError");
        Assert.True(MongoRetry.IsTransient(labelled));
        Assert.False(MongoRetry.IsTransient(new MongoException("bad query")));
        Assert.False(MongoRetry.IsTransient(new ArgumentException("bug")));
    }

    [Fact]
    public async Task Transient_errors_are_retried_with_growing_delays_then_succeed()
    {
        var notes = new List<string>();
        var retry = new MongoRetry(maxAttempts: 5, firstDelay: TimeSpan.FromMilliseconds(5), log: notes.Add);
        var calls = 0;
        var result = await retry.ExecuteAsync("op", _ =>
        {
            calls++;
            if (calls < 4) throw ConnectionLost();
            return Task.FromResult(42);
        }, CancellationToken.None);
        Assert.Equal(42, result);
        Assert.Equal(4, calls);
        Assert.Equal(3, notes.Count);
        Assert.All(notes, n => Assert.Contains("MongoConnectionException", n));
        Assert.True(retry.DelayFor(4) > retry.DelayFor(1) * 4);
    }

    [Fact]
    public async Task Retries_stop_after_the_last_attempt_and_never_for_permanent_errors()
    {
        var retry = new MongoRetry(maxAttempts: 3, firstDelay: TimeSpan.FromMilliseconds(1));
        var calls = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => retry.ExecuteAsync("op", _ => { calls++; throw new TimeoutException(); }, CancellationToken.None));
        Assert.Equal(3, calls);
        calls = 0;
        await Assert.ThrowsAsync<MongoException>(() => retry.ExecuteAsync("op", _ => { calls++; throw new MongoException("auth failed"); }, CancellationToken.None));
        Assert.Equal(1, calls);
    }
}

/// <summary>Checks that need a MongoDB server: run only with MUSICREC_MONGO_URL, otherwise reported as not run.</summary>
public class MongoServerTests
{
    private static MongoTrackStore OpenTestCollection() => new(
        StoreUri.Parse(Environment.GetEnvironmentVariable(StoreUri.MongoUrlVariable)!).WithCollection($"MTDATA_test_{Guid.NewGuid():N}"));

    [MongoFact]
    public async Task Upsert_creates_the_unique_track_id_index_and_the_original_field_names()
    {
        await using var store = OpenTestCollection();
        try
        {
            await store.UpsertAsync(TestDocuments.Range(1, 3));
            var indexes = await store.ListIndexesAsync();
            var index = Assert.Single(indexes, i => i["key"].AsBsonDocument.Contains("track_id"));
            Assert.True(index["unique"].ToBoolean());
            var row = (await store.StreamAsync(["File_Name", "MFCCs", "Spectral_Centroid", "Zero_Crossing_Rate", "genre_id"]).CollectAsync())[0];
            Assert.Equal(20, Assert.IsAssignableFrom<IReadOnlyList<double>>(row["MFCCs"]).Count);
        }
        finally
        {
            await store.DropAsync();
        }
    }
}
