using MusicRec.Recommendation;

namespace MusicRec.Benchmarks;

/// <summary>One benchmark: prints its figures and the ratio to its target; returns whether the target was met.</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    /// <summary>It measures the long-running service: it runs with the deployed service's runtime (<see cref="DeployedServiceRuntime"/>).</summary>
    bool MeasuresTheService => false;
    Task<bool> RunAsync(string[] options);
}

public static class BenchmarkReport
{
    /// <summary>Prints "label: value unit (target ≤/≥ t, ratio r)" and returns whether the target is met.</summary>
    public static bool Figure(string label, double value, string unit, double target, bool lowerIsBetter)
    {
        var ok = lowerIsBetter ? value <= target : value >= target;
        var ratio = lowerIsBetter ? target / Math.Max(value, 1e-12) : value / target;
        Console.WriteLine($"  {label}: {value:0.###} {unit} (target {(lowerIsBetter ? "<=" : ">=")} {target:0.###} {unit}; {ratio:0.00}x of target) {(ok ? "OK" : "MISSED")}");
        return ok;
    }

    public static void Info(string label, string value) => Console.WriteLine($"  {label}: {value}");

    public static long PeakWorkingSetBytes() => System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg ("n/a" where there is none).</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

/// <summary>The benchmarks' command-line options: <c>--name value</c> pairs and bare <c>--flag</c>s.</summary>
public static class BenchmarkOptions
{
    /// <summary>The value after <paramref name="name"/>, or null when the option is absent.</summary>
    public static string? Value(string[] options, string name)
    {
        var i = Array.IndexOf(options, name);
        return i >= 0 && i + 1 < options.Length ? options[i + 1] : null;
    }

    public static string Text(string[] options, string name, string fallback) => Value(options, name) ?? fallback;

    /// <summary>
    /// An integer option; <paramref name="fallback"/> when absent (or, with <paramref name="positive"/>, when not
    /// above zero). A value that is not an integer is an error, not silently the default.
    /// </summary>
    public static int Int(string[] options, string name, int fallback, bool positive = false)
    {
        if (Value(options, name) is not { } text) return fallback;
        if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v))
            throw new BenchmarkOptionException($"{name} needs an integer, got '{text}'");
        return positive && v <= 0 ? fallback : v;
    }
}

/// <summary>A malformed benchmark option: reported in one line, exit code 2.</summary>
public sealed class BenchmarkOptionException(string message) : ArgumentException(message);

/// <summary>Random numbers the synthetic catalogues need.</summary>
public static class BenchmarkRandom
{
    /// <summary>A standard normal sample (Box–Muller).</summary>
    public static double Gaussian(Random r) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}

/// <summary>The similarity index options the recommendation benchmarks share: --m, --ef-build, --ef.</summary>
public static class IndexBenchmarkOptions
{
    /// <summary>The index's defaults with whatever the options set.</summary>
    public static SimilarityIndexOptions For(string[] options)
    {
        var defaults = new SimilarityIndexOptions();
        return defaults with
        {
            GraphLinks = BenchmarkOptions.Int(options, "--m", defaults.GraphLinks),
            GraphBuildBeam = BenchmarkOptions.Int(options, "--ef-build", defaults.GraphBuildBeam),
            GraphSearchBeam = BenchmarkOptions.Int(options, "--ef", defaults.GraphSearchBeam),
        };
    }
}
