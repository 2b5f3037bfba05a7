using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MusicRec.Stores;

/// <summary>
/// The ETL's confirmation step (the original design printed the count and a few documents after loading):
/// the store's count and its first documents by track id, as text; and the check that the count is right.
/// </summary>
public static class StoreSummary
{
    /// <summary>Columns shown per sample document.</summary>
    public static readonly IReadOnlyList<string> SampleColumns =
        ["track_id", "title", "artist_name", "genre_top", "File_Name", "MFCCs", "Spectral_Centroid", "Zero_Crossing_Rate", "genre_id"];

    /// <summary>"STORE: N track documents" and then up to <paramref name="sample"/> documents, one JSON line each.</summary>
    public static async Task<string> DescribeAsync(ITrackStore store, int sample = 3, CancellationToken ct = default)
    {
        var count = await store.CountAsync(ct);
        var text = new StringBuilder();
        text.Append(store.Describe()).Append(": ").Append(count).Append(count == 1 ? " track document" : " track documents");
        if (count == 0 || sample <= 0) return text.ToString();
        text.Append($"; first {Math.Min(sample, count)} by track_id:");
        var shown = 0;
        await foreach (var row in store.StreamAsync(SampleColumns, ct))
        {
            text.Append('\n').Append("  ").Append(ToJson(row));
            if (++shown >= sample) break;
        }
        return text.ToString();
    }

    /// <summary>Throws <see cref="StoreException"/> when the store's count is not <paramref name="expected"/>; returns the count.</summary>
    public static async Task<long> VerifyCountAsync(ITrackStore store, long expected, CancellationToken ct = default)
    {
        var count = await store.CountAsync(ct);
        if (count != expected)
            throw new StoreException($"the store {store.Describe()} holds {count} track documents after loading, but {expected} were written");
        return count;
    }

    private static string ToJson(IReadOnlyDictionary<string, object?> row)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            foreach (var (name, value) in row)
            {
                w.WritePropertyName(name);
                switch (value)
                {
                    case null: w.WriteNullValue(); break;
                    case string s: w.WriteStringValue(s); break;
                    case int i: w.WriteNumberValue(i); break;
                    case double d: StoreJson.WriteDouble(w, d); break;
                    case IReadOnlyList<double> ds: StoreJson.WriteDoubles(w, ds); break;
                    case IReadOnlyList<int> ints:
                        w.WriteStartArray();
                        foreach (var i in ints) w.WriteNumberValue(i);
                        w.WriteEndArray();
                        break;
                    default: w.WriteStringValue(value.ToString()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
