namespace MusicRec.Dsp;

/// <summary>Per-frame feature values of one clip: MFCC row-major [20 x Frames], centroid and ZCR per frame.</summary>
public sealed record FeatureFrames(int Frames, float[] Mfcc, float[] SpectralCentroid, float[] Zcr)
{
    public float MfccAt(int coefficient, int frame) => Mfcc[coefficient * Frames + frame];
}

/// <summary>
/// MFCC (20), spectral centroid and zero-crossing rate of a mono 22050 Hz clip with librosa 0.10's defaults,
/// and their FMA statistics. One STFT feeds both the mel bands and the centroid. NWaves' MfccExtractor is not
/// used as is: it frames without centring, uses a Hamming window and the HTK mel scale by default, has no
/// whole-clip 80 dB clamp, and costs about librosa's own time per clip. NWaves builds the Slaney mel bank.
/// Not thread-safe: it reuses its buffers, so make one per worker.
/// </summary>
public sealed class SpectralFeatureExtractor : IFeatureExtractor
{
    public const int SampleRate = 22050;
    private readonly int _sampleRate;
    public const int FftSize = 2048;
    public const int HopLength = 512;
    public const int MelBandCount = 128;
    public const int MfccCount = 20;
    public const float TopDb = 80f;

    private readonly RealFft _fft = new(FftSize);
    private readonly float[] _window = AnalysisWindow.PeriodicHann(FftSize);
    private readonly MelFilterBank _melBank;
    private readonly float[] _dctBasis = Dct.OrthonormalDct2Basis(MelBandCount, MfccCount);
    private readonly float[] _binIndices = SpectralShape.BinIndices(FftSize / 2 + 1);
    private readonly float[] _frame = new float[FftSize];
    private readonly float[] _power = new float[FftSize / 2 + 1];
    private readonly float[] _coefficients = new float[MfccCount];
    private float[] _melDb = [];       // frame-major [frames x 128]
    private float[] _mfcc = [];        // coefficient-major [20 x frames]
    private float[] _centroid = [];
    private float[] _zcr = [];
    private int[] _zcrPrefix = [];
    private double[] _sortScratch = [];

    public SpectralFeatureExtractor() : this(SampleRate) { }

    /// <summary>
    /// The same analysis at another rate: mel bands up to rate/2 and bin frequencies k*rate/2048, as librosa does for
    /// <c>sr=None</c>. Only to measure how far features at a file's native rate (FMA's features.csv) are from ours
    /// at 22050 Hz (docs/feature-sources.md); the ETL uses 22050 Hz.
    /// </summary>
    public SpectralFeatureExtractor(int sampleRate)
    {
        if (sampleRate < 8000) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "at least 8000 Hz");
        _sampleRate = sampleRate;
        _melBank = MelFilterBank.Slaney(MelBandCount, FftSize, sampleRate, 0, sampleRate / 2.0);
    }

    public AudioFeatures Extract(ReadOnlySpan<float> samples)
    {
        var frames = Analyse(samples);
        var mfcc = RowStatistics.OfRows(_mfcc.AsSpan(0, MfccCount * frames), MfccCount, frames, _sortScratch);
        var centroid = RowStatistics.OfRows(_centroid.AsSpan(0, frames), 1, frames, _sortScratch);
        var zcr = RowStatistics.OfRows(_zcr.AsSpan(0, frames), 1, frames, _sortScratch);
        return new AudioFeatures(_sampleRate, samples.Length / (double)_sampleRate, frames, mfcc, centroid, zcr);
    }

    /// <summary>The per-frame values behind <see cref="Extract"/> (copied out of the reused buffers).</summary>
    public FeatureFrames ComputeFrames(ReadOnlySpan<float> samples)
    {
        var frames = Analyse(samples);
        return new FeatureFrames(frames, _mfcc.AsSpan(0, MfccCount * frames).ToArray(),
            _centroid.AsSpan(0, frames).ToArray(), _zcr.AsSpan(0, frames).ToArray());
    }

    private int Analyse(ReadOnlySpan<float> samples)
    {
        if (samples.IsEmpty) throw new ArgumentException("a clip needs at least one sample", nameof(samples));
        foreach (var x in samples)
            if (!float.IsFinite(x)) throw new ArgumentException("the samples contain NaN or infinity", nameof(samples));

        var frames = Framing.CentredFrameCount(samples.Length, HopLength);
        EnsureCapacity(frames, samples.Length);
        var binHz = (double)_sampleRate / FftSize;

        var maxDb = float.NegativeInfinity;
        for (var t = 0; t < frames; t++)
        {
            Framing.CentredZeroPadded(samples, t, HopLength, _frame);
            _fft.PowerSpectrum(_frame, _window, _power);
            _centroid[t] = SpectralShape.Centroid(_power, binHz, _binIndices);
            var mel = _melDb.AsSpan(t * MelBandCount, MelBandCount);
            _melBank.Apply(_power, mel);
            maxDb = MathF.Max(maxDb, Decibels.PowerToDb(mel));
        }

        var melDb = _melDb.AsSpan(0, frames * MelBandCount);
        Decibels.ClampBelowTop(melDb, maxDb, TopDb);
        for (var t = 0; t < frames; t++)
        {
            Dct.Apply(_dctBasis, melDb.Slice(t * MelBandCount, MelBandCount), _coefficients);
            for (var k = 0; k < MfccCount; k++) _mfcc[k * frames + t] = _coefficients[k];
        }

        SpectralShape.ZeroCrossingRate(samples, FftSize, HopLength, _zcr.AsSpan(0, frames), _zcrPrefix);
        return frames;
    }

    private void EnsureCapacity(int frames, int samples)
    {
        if (_centroid.Length < frames)
        {
            _melDb = new float[frames * MelBandCount];
            _mfcc = new float[frames * MfccCount];
            _centroid = new float[frames];
            _zcr = new float[frames];
            _sortScratch = new double[frames];
        }
        if (_zcrPrefix.Length < samples + FftSize) _zcrPrefix = new int[samples + FftSize];
    }
}
