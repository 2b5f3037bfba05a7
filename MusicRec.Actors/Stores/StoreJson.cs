using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MusicRec.Stores;

/// <summary>
/// JSON for the arrays the stores and the export keep as text. Doubles are written shortest-round-trip, so they
/// read back to the same bits; NaN and infinities (not JSON numbers) are written as the strings "NaN",
/// "Infinity", "-Infinity" and read back as such.
/// </summary>
public static class StoreJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public static string Doubles(IReadOnlyList<double> values)
    {
        var buffer = new ArrayBufferWriter<byte>(values.Count * 24 + 2);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) WriteDoubles(w, values);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Ints(IReadOnlyList<int> values)
    {
        var buffer = new ArrayBufferWriter<byte>(values.Count * 8 + 2);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartArray();
            foreach (var v in values) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string DoubleMap(IReadOnlyDictionary<string, double> values)
    {
        var buffer = new ArrayBufferWriter<byte>(values.Count * 40 + 2);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            foreach (var (k, v) in values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(k);
                WriteDouble(w, v);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteDoubles(Utf8JsonWriter w, IReadOnlyList<double> values)
    {
        w.WriteStartArray();
        for (var i = 0; i < values.Count; i++) WriteDouble(w, values[i]);
        w.WriteEndArray();
    }

    public static void WriteDouble(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteStringValue(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    public static double[] ParseDoubles(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        Expect(ref reader, JsonTokenType.StartArray, json);
        var list = new List<double>(32);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) list.Add(ReadDouble(ref reader, json));
        return list.ToArray();
    }

    public static int[] ParseInts(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        Expect(ref reader, JsonTokenType.StartArray, json);
        var list = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new FormatException($"expected an integer in {Shorten(json)}");
            list.Add(reader.GetInt32());
        }
        return list.ToArray();
    }

    public static Dictionary<string, double> ParseDoubleMap(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        Expect(ref reader, JsonTokenType.StartObject, json);
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            map[key] = ReadDouble(ref reader, json);
        }
        return map;
    }

    private static double ReadDouble(ref Utf8JsonReader reader, string json) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble(),
        JsonTokenType.String => reader.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new FormatException($"'{s}' is not a number in {Shorten(json)}"),
        },
        _ => throw new FormatException($"expected a number in {Shorten(json)}"),
    };

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string json)
    {
        if (!reader.Read() || reader.TokenType != type) throw new FormatException($"expected a JSON {type} in {Shorten(json)}");
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
