using MusicRec.Dsp;
using MusicRec.Etl;

namespace MusicRec.Tests.Etl;

public sealed class NormaliserMathTests
{
    private static (double[] Mean, double[] Std) TwoPass(IReadOnlyList<double[]> rows)
    {
        var n = rows.Count;
        var cols = rows[0].Length;
        var mean = new double[cols];
        var std = new double[cols];
        for (var c = 0; c < cols; c++)
        {
            // Compensated two-pass: the reference a streaming method must match.
            mean[c] = rows.Sum(r => (decimal)r[c]) is var s ? (double)(s / n) : 0;
            var m = mean[c];
            std[c] = Math.Sqrt(rows.Sum(r => (r[c] - m) * (r[c] - m)) / n);
        }
        return (mean, std);
    }

    private static List<double[]> Data(int n, double offset, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new[] { offset + rng.NextDouble(), rng.NextDouble() * 1e-3, -5 + rng.NextDouble() * 10 }).ToList();
    }

    [Fact]
    public void Welford_matches_two_pass_even_with_a_huge_mean_where_sum_of_squares_fails()
    {
        var rows = Data(10_000, 1e9, 1);
        var stats = new RunningStats(3);
        foreach (var r in rows) stats.Add(r);
        var (mean, std) = TwoPass(rows);
        var got = stats.PopulationStd();
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(mean[c], stats.Mean()[c], Math.Abs(mean[c]) * 1e-12 + 1e-15);
            Assert.Equal(std[c], got[c], std[c] * 1e-6);
        }
        // The textbook formula E[x²] - E[x]² loses every digit at this offset: what the streaming method avoids.
        double sum = 0, sumSq = 0;
        foreach (var r in rows) { sum += r[0]; sumSq += r[0] * r[0]; }
        var naive = Math.Sqrt(Math.Max(0, sumSq / rows.Count - sum / rows.Count * (sum / rows.Count)));
        Assert.True(Math.Abs(naive - std[0]) > 0.01, $"naive {naive} vs {std[0]}");
    }

    [Fact]
    public void Chan_merge_of_parts_equals_one_pass()
    {
        var rows = Data(3001, 1e6, 2);
        var whole = new RunningStats(3);
        foreach (var r in rows) whole.Add(r);
        var parts = rows.Chunk(700).Select(chunk =>
        {
            var s = new RunningStats(3);
            foreach (var r in chunk) s.Add(r);
            return s;
        }).ToList();
        var merged = new RunningStats(3);
        merged.Merge(new RunningStats(3)); // merging an empty part changes nothing
        foreach (var p in parts) merged.Merge(p);
        Assert.Equal(whole.Count, merged.Count);
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(whole.Mean()[c], merged.Mean()[c], Math.Abs(whole.Mean()[c]) * 1e-12);
            Assert.Equal(whole.PopulationStd()[c], merged.PopulationStd()[c], whole.PopulationStd()[c] * 1e-9);
        }
    }

    [Fact]
    public void Constant_column_scales_to_zero_without_nan_and_the_rest_to_unit_variance()
    {
        var n = AudioFeatures.ColumnNames.Count;
        var stats = new RunningStats(n);
        var rng = new Random(3);
        var rows = Enumerable.Range(0, 200).Select(_ =>
        {
            var v = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 50).ToArray();
            v[7] = 0.1; // constant, not exactly representable
            return v;
        }).ToList();
        foreach (var r in rows) stats.Add(r);
        var scaler = StandardScaler.Fit(stats);
        var z = rows.Select(r => scaler.Transform(r)).ToList();
        Assert.All(z, row => Assert.Equal(0.0, row[7]));
        Assert.All(z, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
        var col0 = z.Select(r => r[0]).ToList();
        Assert.Equal(0, col0.Average(), 1e-9);
        Assert.Equal(1, Math.Sqrt(col0.Average(v => v * v)), 1e-9);
    }

    [Fact]
    public void Scaler_round_trips_through_json_and_rejects_other_columns()
    {
        var dir = Path.Combine(Path.GetTempPath(), "scaler-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var n = AudioFeatures.ColumnNames.Count;
            var stats = new RunningStats(n);
            stats.Add(Enumerable.Range(0, n).Select(i => i / 3.0).ToArray());
            stats.Add(Enumerable.Range(0, n).Select(i => i / 7.0 + 1e-9).ToArray());
            var scaler = StandardScaler.Fit(stats);
            var path = Path.Combine(dir, "scaler.json");
            scaler.Save(path);
            var loaded = StandardScaler.Load(path);
            Assert.Equal(scaler.Mean, loaded.Mean);
            Assert.Equal(scaler.Std, loaded.Std);
            Assert.Equal(2, loaded.Count);

            File.WriteAllText(path, File.ReadAllText(path).Replace("mfcc_mean_01", "something_else"));
            Assert.Contains("--refit", Assert.Throws<InvalidDataException>(() => StandardScaler.Load(path)).Message);
            File.WriteAllText(path, "{ not json");
            Assert.Throws<InvalidDataException>(() => StandardScaler.Load(path));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
