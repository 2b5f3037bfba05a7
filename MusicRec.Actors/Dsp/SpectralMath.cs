using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MusicRec.Dsp;

/// <summary>Centred framing as librosa does it (center=True): frame t is centred on sample t*hop.</summary>
public static class Framing
{
    /// <summary>1 + floor(n / hop): the number of centred frames librosa makes of n samples.</summary>
    public static int CentredFrameCount(int sampleCount, int hop) => 1 + sampleCount / hop;

    /// <summary>
    /// Copies frame <paramref name="frameIndex"/> of the signal padded with frame.Length/2 ZEROS on each side
    /// (librosa's STFT pad_mode="constant"). NWaves frames start at sample 0 without padding, which shifts
    /// every frame by half a window and changes the frame count, so it is not used for framing.
    /// </summary>
    public static void CentredZeroPadded(ReadOnlySpan<float> signal, int frameIndex, int hop, Span<float> frame)
    {
        var start = frameIndex * hop - frame.Length / 2;
        var from = Math.Max(start, 0);
        var to = Math.Min(start + frame.Length, signal.Length);
        if (from >= to)
        {
            frame.Clear();
            return;
        }
        frame[..(from - start)].Clear();
        signal[from..to].CopyTo(frame[(from - start)..]);
        frame[(to - start)..].Clear();
    }
}

/// <summary>Analysis windows.</summary>
public static class AnalysisWindow
{
    /// <summary>
    /// Periodic Hann, w[i] = 0.5 - 0.5 cos(2 pi i / n), as scipy's get_window('hann', n, fftbins=True) that
    /// librosa uses. NWaves' Window.OfType(Hann) is the symmetric one (divides by n-1), which is for filter
    /// design, not spectral analysis, and its MFCC extractor defaults to Hamming; neither matches librosa.
    /// </summary>
    public static float[] PeriodicHann(int length)
    {
        var w = new float[length];
        for (var i = 0; i < length; i++) w[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / length));
        return w;
    }
}

/// <summary>Power to decibels as librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80).</summary>
public static class Decibels
{
    public const float AminPower = 1e-10f;

    /// <summary>In place: x = 10 log10(max(x, 1e-10)). Returns the maximum dB value seen.</summary>
    public static float PowerToDb(Span<float> values)
    {
        var max = float.NegativeInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            var db = 10f * MathF.Log10(MathF.Max(values[i], AminPower));
            values[i] = db;
            if (db > max) max = db;
        }
        return max;
    }

    /// <summary>
    /// In place: x = max(x, maxDb - topDb), where maxDb is the maximum over the WHOLE clip (librosa's top_db).
    /// NWaves has no such clamp (its MFCC extractor works frame by frame), so it is applied here after all
    /// frames are known. Silent frames land on the floor instead of at -100 dB.
    /// </summary>
    public static void ClampBelowTop(Span<float> values, float maxDb, float topDb)
    {
        var floor = maxDb - topDb;
        for (var i = 0; i < values.Length; i++)
            if (values[i] < floor) values[i] = floor;
    }
}

/// <summary>Orthonormal DCT-II (scipy.fftpack.dct(type=2, norm='ortho')) truncated to the first coefficients.</summary>
public static class Dct
{
    /// <summary>Row-major [outputs x inputs] basis: c_k = s_k sum_n x_n cos(pi k (2n+1) / 2N), s_0 = sqrt(1/N), s_k = sqrt(2/N).</summary>
    public static float[] OrthonormalDct2Basis(int inputs, int outputs)
    {
        var basis = new float[outputs * inputs];
        for (var k = 0; k < outputs; k++)
        {
            var scale = k == 0 ? Math.Sqrt(1.0 / inputs) : Math.Sqrt(2.0 / inputs);
            for (var n = 0; n < inputs; n++)
                basis[k * inputs + n] = (float)(scale * Math.Cos(Math.PI * k * (2 * n + 1) / (2.0 * inputs)));
        }
        return basis;
    }

    /// <summary>output[k] = basis row k . input.</summary>
    public static void Apply(ReadOnlySpan<float> basis, ReadOnlySpan<float> input, Span<float> output)
    {
        var n = input.Length;
        for (var k = 0; k < output.Length; k++) output[k] = Dot(basis.Slice(k * n, n), input);
    }

    internal static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var i = 0;
        var sum = 0f;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            ref var ra = ref MemoryMarshal.GetReference(a);
            ref var rb = ref MemoryMarshal.GetReference(b);
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
                acc += Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref ra, i)) * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref rb, i));
            sum = Vector.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}

/// <summary>Spectral centroid and zero-crossing rate as librosa 0.10 computes them.</summary>
public static class SpectralShape
{
    private const float SmallestNormalFloat = 1.17549435e-38f;

    /// <summary>
    /// Centroid of the MAGNITUDE spectrum (sqrt of <paramref name="power"/>) in Hz, bin k at k*binHz;
    /// 0 for a frame without energy (librosa's normalize leaves an all-zero column at zero).
    /// </summary>
    public static float Centroid(ReadOnlySpan<float> power, double binHz, ReadOnlySpan<float> binIndex)
    {
        var i = 0;
        float sumMag = 0, sumWeighted = 0;
        if (Vector.IsHardwareAccelerated && power.Length >= Vector<float>.Count)
        {
            var accMag = Vector<float>.Zero;
            var accWeighted = Vector<float>.Zero;
            ref var rp = ref MemoryMarshal.GetReference(power);
            ref var rk = ref MemoryMarshal.GetReference(binIndex);
            for (; i <= power.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var mag = Vector.SquareRoot(Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref rp, i)));
                accMag += mag;
                accWeighted += mag * Unsafe.As<float, Vector<float>>(ref Unsafe.Add(ref rk, i));
            }
            sumMag = Vector.Sum(accMag);
            sumWeighted = Vector.Sum(accWeighted);
        }
        for (; i < power.Length; i++)
        {
            var mag = MathF.Sqrt(power[i]);
            sumMag += mag;
            sumWeighted += mag * binIndex[i];
        }
        // librosa skips normalisation below the smallest normal float32, which leaves such a column at 0.
        return sumMag < SmallestNormalFloat ? 0f : (float)(binHz * sumWeighted / sumMag);
    }

    /// <summary>0, 1, 2, ...: bin indices as floats, to weight magnitudes in <see cref="Centroid"/>.</summary>
    public static float[] BinIndices(int bins)
    {
        var k = new float[bins];
        for (var i = 0; i < bins; i++) k[i] = i;
        return k;
    }

    /// <summary>
    /// librosa.feature.zero_crossing_rate(y, frame_length, hop_length, center=True): frames centred with EDGE
    /// padding; |x| &lt;= 1e-10 counts as 0 and 0 counts as positive; per frame the number of sign changes
    /// between neighbouring samples inside the frame divided by the frame length. O(n) with a prefix sum.
    /// </summary>
    public static void ZeroCrossingRate(ReadOnlySpan<float> signal, int frameLength, int hop, Span<float> rates, Span<int> prefixScratch)
    {
        var n = signal.Length;
        var pad = frameLength / 2;
        var padded = n + 2 * pad;
        if (prefixScratch.Length < padded) throw new ArgumentException($"scratch needs {padded} entries", nameof(prefixScratch));
        // prefix[j] = number of sign changes between padded samples (i-1, i) for i in 1..j.
        var prefix = prefixScratch[..padded];
        prefix[0] = 0;
        var previous = IsNegative(SampleAt(signal, -pad));
        var count = 0;
        for (var j = 1; j < padded; j++)
        {
            var negative = IsNegative(SampleAt(signal, j - pad));
            if (negative != previous) count++;
            previous = negative;
            prefix[j] = count;
        }
        var frames = Framing.CentredFrameCount(n, hop);
        for (var t = 0; t < frames && t < rates.Length; t++)
        {
            var start = t * hop;
            rates[t] = (float)(prefix[start + frameLength - 1] - prefix[start]) / frameLength;
        }
    }

    private static bool IsNegative(float x) => x < -1e-10f;

    // Edge padding: positions before the start repeat the first sample, after the end the last.
    private static float SampleAt(ReadOnlySpan<float> signal, int i) =>
        signal[i < 0 ? 0 : i >= signal.Length ? signal.Length - 1 : i];
}

/// <summary>FMA statistics of one feature row, in float64 like scipy.stats on librosa's float32 matrices.</summary>
public static class RowStatistics
{
    public readonly record struct Summary(double Mean, double Std, double Min, double Max, double Median, double Skew, double Kurtosis);

    /// <summary>
    /// mean, std (ddof 0), min, max, median, skew and kurtosis (scipy.stats, biased, Fisher). Where scipy
    /// returns NaN for skew and kurtosis (a constant row: m2 within float64 resolution of zero) this returns 0
    /// for both, so that a silent clip still has a finite feature vector.
    /// </summary>
    public static Summary Compute(ReadOnlySpan<float> row, Span<double> sortScratch)
    {
        var n = row.Length;
        if (n == 0) throw new ArgumentException("a feature row needs at least one value", nameof(row));
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            double x = row[i];
            sum += x;
            if (x < min) min = x;
            if (x > max) max = x;
        }
        var mean = sum / n;
        double m2 = 0, m3 = 0, m4 = 0;
        for (var i = 0; i < n; i++)
        {
            var d = row[i] - mean;
            var d2 = d * d;
            m2 += d2;
            m3 += d2 * d;
            m4 += d2 * d2;
        }
        m2 /= n;
        m3 /= n;
        m4 /= n;
        var resolution = 1e-15 * mean;
        var constant = m2 <= resolution * resolution;
        var skew = constant ? 0 : m3 / Math.Pow(m2, 1.5);
        var kurtosis = constant ? 0 : m4 / (m2 * m2) - 3.0;

        var sorted = sortScratch[..n];
        for (var i = 0; i < n; i++) sorted[i] = row[i];
        sorted.Sort();
        var median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        return new Summary(mean, Math.Sqrt(m2), min, max, median, skew, kurtosis);
    }

    /// <summary>Statistics of each row of a row-major [rows x columns] matrix.</summary>
    public static FeatureStats OfRows(ReadOnlySpan<float> matrix, int rows, int columns, Span<double> sortScratch)
    {
        var mean = new double[rows];
        var std = new double[rows];
        var min = new double[rows];
        var max = new double[rows];
        var median = new double[rows];
        var skew = new double[rows];
        var kurtosis = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var s = Compute(matrix.Slice(r * columns, columns), sortScratch);
            mean[r] = s.Mean; std[r] = s.Std; min[r] = s.Min; max[r] = s.Max;
            median[r] = s.Median; skew[r] = s.Skew; kurtosis[r] = s.Kurtosis;
        }
        return new FeatureStats(mean, std, min, max, median, skew, kurtosis);
    }
}
