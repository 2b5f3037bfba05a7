namespace MusicRec.Insights;

/// <summary>The plane of the first two principal components of a set of rows, and each row's coordinates on it.</summary>
public sealed record PrincipalPlaneResult(float[] Coordinates, double FirstShare, double SecondShare)
{
    public int Count => Coordinates.Length / 2;
    public float X(int row) => Coordinates[2 * row];
    public float Y(int row) => Coordinates[2 * row + 1];
}

/// <summary>
/// First two principal components by power iteration on the covariance (with deflation for the second): a plain
/// function on spans for the catalogue maps. Written here rather than taken from a library because the project keeps no
/// linear-algebra package and a 2-component PCA of at most a few dozen dimensions is a few dozen lines.
/// </summary>
public static class PrincipalPlane
{
    private const int Iterations = 200;

    /// <param name="rows">Row-major values, <paramref name="stride"/> floats per row (padding after <paramref name="dims"/> is ignored).</param>
    public static PrincipalPlaneResult Project(ReadOnlySpan<float> rows, int stride, int dims)
    {
        if (dims < 1 || stride < dims) throw new ArgumentException($"dims {dims} must be 1..stride ({stride})");
        if (rows.Length % stride != 0) throw new ArgumentException("rows is not a whole number of rows", nameof(rows));
        var n = rows.Length / stride;
        var coordinates = new float[2 * n];
        if (n == 0) return new PrincipalPlaneResult(coordinates, 0, 0);

        var mean = new double[dims];
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * stride, dims);
            for (var i = 0; i < dims; i++) mean[i] += row[i];
        }
        for (var i = 0; i < dims; i++) mean[i] /= n;

        // Upper triangle of the covariance, mirrored after.
        var cov = new double[dims * dims];
        var centred = new double[dims];
        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * stride, dims);
            for (var i = 0; i < dims; i++) centred[i] = row[i] - mean[i];
            for (var i = 0; i < dims; i++)
            {
                var ci = centred[i];
                for (var j = i; j < dims; j++) cov[i * dims + j] += ci * centred[j];
            }
        }
        var trace = 0.0;
        for (var i = 0; i < dims; i++)
        {
            for (var j = i; j < dims; j++) cov[j * dims + i] = cov[i * dims + j] /= Math.Max(1, n - 1);
            trace += cov[i * dims + i];
        }

        var first = Dominant(cov, dims, out var firstValue);
        // Deflate: remove the first component's share so the dominant one of the rest is the second.
        for (var i = 0; i < dims; i++)
            for (var j = 0; j < dims; j++) cov[i * dims + j] -= firstValue * first[i] * first[j];
        var secondValue = 0.0;
        var second = dims > 1 ? Dominant(cov, dims, out secondValue) : new double[dims];

        for (var r = 0; r < n; r++)
        {
            var row = rows.Slice(r * stride, dims);
            double x = 0, y = 0;
            for (var i = 0; i < dims; i++)
            {
                var c = row[i] - mean[i];
                x += c * first[i];
                y += c * second[i];
            }
            coordinates[2 * r] = (float)x;
            coordinates[2 * r + 1] = (float)y;
        }
        return trace > 0
            ? new PrincipalPlaneResult(coordinates, firstValue / trace, Math.Max(0, secondValue) / trace)
            : new PrincipalPlaneResult(coordinates, 0, 0);
    }

    /// <summary>Unit eigenvector of the largest eigenvalue of a symmetric matrix; its sign fixed (largest entry positive) for stable pictures.</summary>
    private static double[] Dominant(double[] matrix, int dims, out double eigenvalue)
    {
        var v = new double[dims];
        // A fixed start with every entry non-zero and unequal, so it is not orthogonal to the answer by accident.
        for (var i = 0; i < dims; i++) v[i] = 1.0 + 0.1 * ((i * 7919) % 13);
        Normalise(v);
        var next = new double[dims];
        eigenvalue = 0;
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            for (var i = 0; i < dims; i++)
            {
                var s = 0.0;
                for (var j = 0; j < dims; j++) s += matrix[i * dims + j] * v[j];
                next[i] = s;
            }
            var norm = Normalise(next);
            if (norm == 0) { eigenvalue = 0; return v; }
            var change = 0.0;
            for (var i = 0; i < dims; i++) change = Math.Max(change, Math.Abs(next[i] - v[i]));
            (v, next) = (next, v);
            eigenvalue = norm;
            if (change < 1e-10) break;
        }
        var largest = 0;
        for (var i = 1; i < dims; i++) if (Math.Abs(v[i]) > Math.Abs(v[largest])) largest = i;
        if (v[largest] < 0) for (var i = 0; i < dims; i++) v[i] = -v[i];
        return v;
    }

    private static double Normalise(double[] v)
    {
        var sum = 0.0;
        foreach (var x in v) sum += x * x;
        var norm = Math.Sqrt(sum);
        if (norm > 0) for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return norm;
    }
}
