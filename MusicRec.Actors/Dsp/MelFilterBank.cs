using NWaves.Filters.Fda;

namespace MusicRec.Dsp;

/// <summary>
/// A triangular mel filterbank stored sparsely: each filter keeps only its non-zero bins, so applying all
/// 128 filters costs about two multiply-adds per FFT bin instead of 128.
/// </summary>
public sealed class MelFilterBank
{
    private readonly int[] _start;
    private readonly int[] _offset;
    private readonly float[] _weights;

    private MelFilterBank(float[][] dense)
    {
        FilterCount = dense.Length;
        BinCount = dense.Length == 0 ? 0 : dense[0].Length;
        _start = new int[FilterCount];
        _offset = new int[FilterCount + 1];
        var weights = new List<float>();
        for (var m = 0; m < FilterCount; m++)
        {
            var row = dense[m];
            var first = Array.FindIndex(row, w => w != 0f);
            var last = Array.FindLastIndex(row, w => w != 0f);
            _offset[m] = weights.Count;
            if (first < 0)
            {
                _start[m] = 0;
                continue;
            }
            _start[m] = first;
            for (var k = first; k <= last; k++) weights.Add(row[k]);
        }
        _offset[FilterCount] = weights.Count;
        _weights = weights.ToArray();
    }

    public int FilterCount { get; }
    public int BinCount { get; }

    /// <summary>Number of stored (non-zero span) weights, for tests and benchmarks.</summary>
    public int StoredWeights => _weights.Length;

    /// <summary>
    /// librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with its defaults htk=False, norm='slaney':
    /// Slaney's mel scale (linear below 1 kHz, logarithmic above) and area normalisation 2/(f[m+2]-f[m]).
    /// Built with NWaves' MelBankSlaney, which uses the same scale and the same normalisation; NWaves'
    /// MelBands/MfccExtractor default to the HTK scale, which librosa does not use.
    /// </summary>
    public static MelFilterBank Slaney(int filterCount, int fftSize, int sampleRate, double lowHz, double highHz) =>
        new(FilterBanks.MelBankSlaney(filterCount, fftSize, sampleRate, lowHz, highHz, normalizeGain: true));

    /// <summary>From dense [filters][bins] weights.</summary>
    public static MelFilterBank FromDense(float[][] dense) => new(dense);

    /// <summary>Dense [filters][bins] weights (zeros included).</summary>
    public float[][] ToDense()
    {
        var dense = new float[FilterCount][];
        for (var m = 0; m < FilterCount; m++)
        {
            dense[m] = new float[BinCount];
            _weights.AsSpan(_offset[m], _offset[m + 1] - _offset[m]).CopyTo(dense[m].AsSpan(_start[m]));
        }
        return dense;
    }

    /// <summary>mel[m] = sum_k weights[m][k] * power[k], over filter m's non-zero bins only.</summary>
    public void Apply(ReadOnlySpan<float> power, Span<float> mel)
    {
        if (power.Length < BinCount) throw new ArgumentException($"spectrum needs {BinCount} bins", nameof(power));
        if (mel.Length < FilterCount) throw new ArgumentException($"output needs {FilterCount} bands", nameof(mel));
        var weights = _weights.AsSpan();
        for (var m = 0; m < FilterCount; m++)
        {
            var length = _offset[m + 1] - _offset[m];
            mel[m] = Dct.Dot(weights.Slice(_offset[m], length), power.Slice(_start[m], length));
        }
    }
}
