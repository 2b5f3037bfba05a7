using System.Text;
using System.Text.Json;

namespace MusicRec.Dsp;

/// <summary>The <c>features</c> JSON line of SPEC.md.</summary>
public static class FeaturesJson
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    /// <summary>One JSON object (no newline): file, sample_rate, duration_s, frames, mfcc, spectral_centroid, zcr.</summary>
    public static string ToJsonLine(string file, AudioFeatures features)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            json.WriteNumber("sample_rate", features.SampleRate);
            json.WriteNumber("duration_s", features.DurationSeconds);
            json.WriteNumber("frames", features.Frames);
            WriteStats(json, "mfcc", features.Mfcc);
            WriteStats(json, "spectral_centroid", features.SpectralCentroid);
            WriteStats(json, "zcr", features.Zcr);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the JSON line and a newline.</summary>
    public static void Write(TextWriter writer, string file, AudioFeatures features) =>
        writer.WriteLine(ToJsonLine(file, features));

    private static void WriteStats(Utf8JsonWriter json, string name, FeatureStats stats)
    {
        json.WriteStartObject(name);
        foreach (var statistic in FeatureStats.StatisticNames)
        {
            json.WriteStartArray(statistic);
            // JSON has no NaN; a non-finite statistic (never produced by RowStatistics) would be null.
            foreach (var x in stats[statistic])
                if (double.IsFinite(x)) json.WriteNumberValue(x);
                else json.WriteNullValue();
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
