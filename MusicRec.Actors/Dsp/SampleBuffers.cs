namespace MusicRec.Dsp;

/// <summary>
/// Sample arrays a decoder reuses from one file to the next. A 30 s clip is a 2.6 MB float array, so a fresh one
/// per clip lands on the large object heap every time: over a long ETL that churn fragments the LOH and the
/// process grows with the length of the run. With one of these per worker a catalogue is decoded into the same
/// few arrays. Not thread-safe: one per worker. An array longer than <see cref="MaxRetainedSamples"/> is used
/// once and not kept, so one unusually long file does not hold its memory for the rest of the run.
/// </summary>
public sealed class SampleBuffers
{
    /// <summary>Longest array kept for reuse: 4M floats (16 MB), over 3 minutes at 22050 Hz.</summary>
    public const int MaxRetainedSamples = 1 << 22;

    private float[] _decoded = [];
    private float[] _resampled = [];
    private float[] _interleaved = [];

    /// <summary>For the decoded mono samples at the file's own rate.</summary>
    internal float[] Decoded(int length) => Take(ref _decoded, length);

    /// <summary>For the samples resampled to 22050 Hz.</summary>
    internal float[] Resampled(int length) => Take(ref _resampled, length);

    /// <summary>For one chunk of interleaved frames read from libsndfile.</summary>
    internal float[] Interleaved(int length) => Take(ref _interleaved, length);

    /// <summary>
    /// Grows the decoded array to at least <paramref name="length"/>, keeping its first <paramref name="keep"/>
    /// samples (a file longer than its header said).
    /// </summary>
    internal float[] GrowDecoded(float[] current, int keep, int length)
    {
        var bigger = Take(ref _decoded, length);
        if (!ReferenceEquals(bigger, current)) current.AsSpan(0, keep).CopyTo(bigger);
        return bigger;
    }

    private static float[] Take(ref float[] kept, int length)
    {
        if (kept.Length >= length) return kept;
        var fresh = new float[length];
        if (length <= MaxRetainedSamples) kept = fresh;
        return fresh;
    }
}
