using System.Diagnostics;

namespace MusicRec.Benchmarks;

/// <summary>
/// The runtime the deployed service runs with: MusicRec.Host's runtime configuration (its JIT and GC settings) plus
/// the environment deploy/musicrec.service and deploy/docker-compose.yml give it. The benchmarks of the long-running
/// service (<see cref="IBenchmark.MeasuresTheService"/>) run in a child process with exactly these, so they measure
/// what `musicrec serve` runs with, whatever this process was started with.
/// </summary>
internal static class DeployedServiceRuntime
{
    /// <summary>
    /// The deployments' runtime environment (MusicRec.Tests checks the unit and the compose file set the same):
    /// tiered compilation back on (the binary turns it off for the ETL's memory; a long-running service gains its
    /// dynamic PGO);
    /// server GC; no extra compacting of gen2 (ConserveMemory is for the ETL's flat peak, and on a service that
    /// keeps every user's state it turned gen2 collections into blocking, compacting ones: 8 per 100,000 events
    /// instead of 3, and the longest pauses of the latency run); DATAS off (its small gen0 budget collected the
    /// events in flight 15 times per 100,000 events instead of 3-4, copying 40-90 MB each time).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["DOTNET_gcServer"] = "1",
        ["DOTNET_GCConserveMemory"] = "0",
        ["DOTNET_GCDynamicAdaptationMode"] = "0",
        ["DOTNET_TieredCompilation"] = "1",
    };

    private const string ChildMarker = "MUSICREC_BENCHMARK_AS_DEPLOYED";

    /// <summary>True in the child started by <see cref="RunAsync"/>.</summary>
    public static bool IsCurrent => System.Environment.GetEnvironmentVariable(ChildMarker) == "1";

    /// <summary>Runs the named benchmarks in a child process with the deployed runtime; its output goes to ours.</summary>
    public static async Task<int> RunAsync(IEnumerable<string> names, string[] options)
    {
        var hostConfig = Path.Combine(AppContext.BaseDirectory, "MusicRec.Host.runtimeconfig.json");
        var dotnet = Path.GetFileNameWithoutExtension(System.Environment.ProcessPath!) == "dotnet" ? System.Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo(dotnet);
        foreach (var a in new[] { "exec", "--runtimeconfig", hostConfig, typeof(DeployedServiceRuntime).Assembly.Location }.Concat(names).Concat(options))
            start.ArgumentList.Add(a);
        foreach (var (key, value) in Environment) start.Environment[key] = value;
        start.Environment[ChildMarker] = "1";
        Console.WriteLine($"  (running as the deployed service does: MusicRec.Host's runtime configuration and {string.Join(" ", Environment.Select(e => $"{e.Key}={e.Value}"))})");
        using var child = Process.Start(start)!;
        await child.WaitForExitAsync();
        return child.ExitCode;
    }
}
