namespace MusicRec.Dsp;

/// <summary>An audio file that cannot be decoded: corrupt, truncated, empty or mislabelled. Names the file and the problem.</summary>
public sealed class AudioDecodeException(string filePath, string problem, Exception? inner = null)
    : Exception($"{filePath}: {problem}", inner)
{
    public string FilePath { get; } = filePath;
    public string Problem { get; } = problem;
}

/// <summary>A native library (libsndfile, libsoxr) is missing: says which Debian package to install.</summary>
public sealed class NativeLibraryMissingException(string library, string debianPackage)
    : Exception($"{library} is not installed: install the Debian package '{debianPackage}' (apt-get install {debianPackage})")
{
    public string Library { get; } = library;
    public string DebianPackage { get; } = debianPackage;
}

/// <summary>Decodes a file to mono float32 PCM at 22050 Hz the way librosa.load(path, sr=22050) does.</summary>
public interface IAudioDecoder
{
    /// <exception cref="AudioDecodeException">the file cannot be decoded.</exception>
    float[] DecodeMono22050(string path);

    /// <summary>
    /// The same samples, decoded into arrays the caller reuses from file to file (so a catalogue is not one large
    /// allocation per clip); valid until the next call with the same <paramref name="buffers"/>.
    /// </summary>
    /// <exception cref="AudioDecodeException">the file cannot be decoded.</exception>
    ReadOnlyMemory<float> DecodeMono22050(string path, SampleBuffers buffers) => DecodeMono22050(path);
}

/// <summary>
/// Computes MFCC, spectral centroid and ZCR statistics of a mono 22050 Hz clip.
/// Not thread-safe: it reuses its buffers, so make one per worker.
/// </summary>
public interface IFeatureExtractor
{
    AudioFeatures Extract(ReadOnlySpan<float> samples);
}
