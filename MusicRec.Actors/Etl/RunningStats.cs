namespace MusicRec.Etl;

/// <summary>
/// Streaming mean and variance of every column (Welford's update; Chan et al.'s merge for partial results).
/// Numerically stable where the textbook sum-of-squares formula cancels catastrophically (large means,
/// small spread), and it needs one pass and O(columns) memory whatever the catalogue size.
/// A vector shorter than <see cref="Columns"/> updates only its leading columns (a track from audio has the 154
/// computed columns, one from features.csv all 518), so each column counts the vectors that had it.
/// </summary>
public sealed class RunningStats
{
    private readonly double[] _mean;
    private readonly double[] _m2;
    private readonly long[] _n;

    public RunningStats(int columns)
    {
        _mean = new double[columns];
        _m2 = new double[columns];
        _n = new long[columns];
    }

    public long Count { get; private set; }
    public int Columns => _mean.Length;

    public void Add(ReadOnlySpan<double> x)
    {
        if (x.Length > _mean.Length || x.Length == 0)
            throw new ArgumentException($"expected 1 to {_mean.Length} values, got {x.Length}", nameof(x));
        Count++;
        for (var i = 0; i < x.Length; i++)
        {
            var n = ++_n[i];
            var delta = x[i] - _mean[i];
            _mean[i] += delta / n;
            _m2[i] += delta * (x[i] - _mean[i]);
        }
    }

    /// <summary>Chan's parallel combination: the result equals one pass over both inputs.</summary>
    public void Merge(RunningStats other)
    {
        if (other.Columns != Columns) throw new ArgumentException("column count differs", nameof(other));
        for (var i = 0; i < Columns; i++)
        {
            double na = _n[i], nb = other._n[i], n = na + nb;
            if (nb == 0) continue;
            var delta = other._mean[i] - _mean[i];
            _mean[i] += delta * nb / n;
            _m2[i] += other._m2[i] + delta * delta * na * nb / n;
            _n[i] += other._n[i];
        }
        Count += other.Count;
    }

    public double[] Mean() => (double[])_mean.Clone();

    /// <summary>How many vectors had column <paramref name="column"/>.</summary>
    public long CountOf(int column) => _n[column];

    /// <summary>The leading columns that at least one vector had.</summary>
    public int FilledColumns
    {
        get
        {
            var k = 0;
            while (k < _n.Length && _n[k] > 0) k++;
            return k;
        }
    }

    /// <summary>Population standard deviation (ddof = 0), as scikit-learn's StandardScaler uses.</summary>
    public double[] PopulationStd()
    {
        var std = new double[Columns];
        for (var i = 0; i < Columns; i++) std[i] = _n[i] == 0 ? 0 : Math.Sqrt(Math.Max(0, _m2[i] / _n[i]));
        return std;
    }
}
