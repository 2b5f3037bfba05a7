namespace MusicRec.Catalog.Features;

/// <summary>Where the ETL takes a track's features from (<c>etl --features</c>).</summary>
public enum FeatureSourceMode
{
    /// <summary>From the audio clip when it is there, otherwise from features.csv.</summary>
    Auto,
    /// <summary>Only from audio (features.csv is not read).</summary>
    Audio,
    /// <summary>Only from features.csv (the audio folder is not looked at).</summary>
    Csv,
}

/// <summary>The source one track's features came from, as final.csv and the stores spell it.</summary>
public static class FeatureSources
{
    public const string Audio = "audio";
    public const string FeaturesCsv = "features.csv";

    public static FeatureSourceMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => FeatureSourceMode.Auto,
        "audio" => FeatureSourceMode.Audio,
        "csv" => FeatureSourceMode.Csv,
        _ => throw new ArgumentException($"--features must be audio, csv or auto (got '{text}')"),
    };
}
