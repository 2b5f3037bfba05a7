namespace MusicRec.Etl;

/// <summary>
/// Streaming mean and variance of every column (Welford's update; Chan et al.'s merge for partial results).
/// Numerically stable where the textbook sum-of-squares formula cancels catastrophically (large means,
/// small spread), and it needs one pass and O(columns) memory whatever the catalogue size.
/// </summary>
public sealed class RunningStats
{
    private readonly double[] _mean;
    private readonly double[] _m2;

    public RunningStats(int columns)
    {
        _mean = new double[columns];
        _m2 = new double[columns];
    }

    public long Count { get; private set; }
    public int Columns => _mean.Length;

    public void Add(ReadOnlySpan<double> x)
    {
        if (x.Length != _mean.Length)
            throw new ArgumentException($"expected {_mean.Length} values, got {x.Length}", nameof(x));
        Count++;
        for (var i = 0; i < x.Length; i++)
        {
            var delta = x[i] - _mean[i];
            _mean[i] += delta / Count;
            _m2[i] += delta * (x[i] - _mean[i]);
        }
    }

    /// <summary>Chan's parallel combination: the result equals one pass over both inputs.</summary>
    public void Merge(RunningStats other)
    {
        if (other.Columns != Columns) throw new ArgumentException("column count differs", nameof(other));
        if (other.Count == 0) return;
        if (Count == 0)
        {
            Array.Copy(other._mean, _mean, Columns);
            Array.Copy(other._m2, _m2, Columns);
            Count = other.Count;
            return;
        }
        double n = Count + other.Count, na = Count, nb = other.Count;
        for (var i = 0; i < Columns; i++)
        {
            var delta = other._mean[i] - _mean[i];
            _mean[i] += delta * nb / n;
            _m2[i] += other._m2[i] + delta * delta * na * nb / n;
        }
        Count += other.Count;
    }

    public double[] Mean() => (double[])_mean.Clone();

    /// <summary>Population standard deviation (ddof = 0), as scikit-learn's StandardScaler uses.</summary>
    public double[] PopulationStd()
    {
        var std = new double[Columns];
        if (Count == 0) return std;
        for (var i = 0; i < Columns; i++) std[i] = Math.Sqrt(Math.Max(0, _m2[i] / Count));
        return std;
    }
}
