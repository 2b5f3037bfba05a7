namespace MusicRec.Benchmarks;

/// <summary>One benchmark: prints its figures and the ratio to its target; returns whether the target was met.</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
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
}
