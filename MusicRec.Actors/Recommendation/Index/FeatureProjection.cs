namespace MusicRec.Recommendation;

/// <summary>
/// Maps a catalogue feature vector (the 154 normalised statistics) into the similarity index's space:
/// centred and projected on the top principal components (or kept whole), then L2-normalised, so a dot
/// product there is a cosine similarity. Fitted once per catalogue; deterministic for the same input.
/// </summary>
public sealed class FeatureProjection
{
    private readonly double[] _mean;
    // Row-major OutputDimensions x InputDimensions; null means identity (no reduction).
    private readonly double[]? _components;

    private FeatureProjection(int inputDimensions, int outputDimensions, double[] mean, double[]? components, double explained)
    {
        InputDimensions = inputDimensions;
        OutputDimensions = outputDimensions;
        _mean = mean;
        _components = components;
        ExplainedVarianceRatio = explained;
    }

    public int InputDimensions { get; }
    public int OutputDimensions { get; }
    /// <summary>Share of the catalogue's variance the kept components explain (1 for the identity).</summary>
    public double ExplainedVarianceRatio { get; }
    public bool IsIdentity => _components is null;

    public static FeatureProjection Identity(int dimensions) =>
        new(dimensions, dimensions, new double[dimensions], null, 1.0);

    /// <summary>
    /// Principal components of <paramref name="rows"/> (every row the same length). The covariance is taken on
    /// an evenly strided sample of at most <paramref name="sampleSize"/> rows so a 100,000-track build stays fast.
    /// </summary>
    public static FeatureProjection FitPca(IReadOnlyList<float[]> rows, int components, int sampleSize = 20_000)
    {
        if (rows.Count == 0) throw new ArgumentException("cannot fit a projection on an empty catalogue", nameof(rows));
        var d = rows[0].Length;
        if (components <= 0 || components >= d) return Identity(d);

        var stride = Math.Max(1, rows.Count / Math.Max(1, sampleSize));
        var mean = new double[d];
        var n = 0;
        for (var r = 0; r < rows.Count; r += stride, n++)
            for (var j = 0; j < d; j++) mean[j] += rows[r][j];
        for (var j = 0; j < d; j++) mean[j] /= n;

        var cov = new double[d * d];
        var centred = new double[d];
        for (var r = 0; r < rows.Count; r += stride)
        {
            var row = rows[r];
            for (var j = 0; j < d; j++) centred[j] = row[j] - mean[j];
            for (var a = 0; a < d; a++)
            {
                var ca = centred[a];
                if (ca == 0) continue;
                var offset = a * d;
                for (var b = a; b < d; b++) cov[offset + b] += ca * centred[b];
            }
        }
        for (var a = 0; a < d; a++)
            for (var b = a; b < d; b++)
            {
                var v = cov[a * d + b] / Math.Max(1, n - 1);
                cov[a * d + b] = v;
                cov[b * d + a] = v;
            }

        var (values, vectors) = SymmetricEigen(cov, d);
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ThenBy(i => i).ToArray();
        var total = values.Where(v => v > 0).Sum();
        var kept = 0.0;
        var comps = new double[components * d];
        for (var c = 0; c < components; c++)
        {
            var col = order[c];
            kept += Math.Max(0, values[col]);
            // Fix the sign (largest |weight| positive) so the basis does not flip between identical fits.
            var maxIdx = 0;
            for (var j = 1; j < d; j++)
                if (Math.Abs(vectors[j * d + col]) > Math.Abs(vectors[maxIdx * d + col])) maxIdx = j;
            var sign = vectors[maxIdx * d + col] < 0 ? -1.0 : 1.0;
            for (var j = 0; j < d; j++) comps[c * d + j] = sign * vectors[j * d + col];
        }
        return new FeatureProjection(d, components, mean, comps, total > 0 ? kept / total : 1.0);
    }

    /// <summary>Projects and L2-normalises; <paramref name="destination"/> may be longer (zero padding). False for a zero vector.</summary>
    public bool Project(ReadOnlySpan<float> features, Span<float> destination)
    {
        if (features.Length != InputDimensions)
            throw new ArgumentException($"expected {InputDimensions} features, got {features.Length}", nameof(features));
        destination.Clear();
        double norm = 0;
        if (_components is null)
        {
            for (var j = 0; j < InputDimensions; j++)
            {
                destination[j] = features[j];
                norm += (double)features[j] * features[j];
            }
        }
        else
        {
            for (var c = 0; c < OutputDimensions; c++)
            {
                double s = 0;
                var offset = c * InputDimensions;
                for (var j = 0; j < InputDimensions; j++) s += _components[offset + j] * (features[j] - _mean[j]);
                destination[c] = (float)s;
                norm += s * s;
            }
        }
        if (norm <= 1e-24) return false;
        var inv = (float)(1.0 / Math.Sqrt(norm));
        for (var j = 0; j < OutputDimensions; j++) destination[j] *= inv;
        return true;
    }

    /// <summary>Cyclic Jacobi eigen-decomposition of a symmetric matrix; returns eigenvalues and column eigenvectors.</summary>
    private static (double[] Values, double[] Vectors) SymmetricEigen(double[] matrix, int n)
    {
        var a = (double[])matrix.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++) v[i * n + i] = 1;
        for (var sweep = 0; sweep < 60; sweep++)
        {
            double off = 0, diag = 0;
            for (var p = 0; p < n; p++)
            {
                diag += a[p * n + p] * a[p * n + p];
                for (var q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            }
            if (off <= 1e-22 * Math.Max(diag, 1e-300)) break;
            for (var p = 0; p < n - 1; p++)
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[p * n + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    var app = a[p * n + p];
                    var aqq = a[q * n + q];
                    var theta = (aqq - app) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k * n + p];
                        var akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p * n + k];
                        var aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k * n + p];
                        var vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }
}
