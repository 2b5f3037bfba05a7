using MusicRec.Tests.Catalog;

namespace MusicRec.Tests.Deploy;

/// <summary>
/// The deployments run the service with the GC the service's benchmarks measure it with
/// (tests/MusicRec.Benchmarks/DeployedServiceRuntime.cs): a figure in docs/benchmarks.md holds only with these.
/// </summary>
public class DeploymentRuntimeTests
{
    private static readonly string[] ServiceGc =
        ["DOTNET_gcServer=1", "DOTNET_GCConserveMemory=0", "DOTNET_GCDynamicAdaptationMode=0"];

    [Fact]
    public void The_systemd_unit_and_the_compose_file_set_the_benchmarked_gc()
    {
        var unit = File.ReadAllLines(Path.Combine(CatalogTestPaths.RepoRoot, "deploy", "musicrec.service"))
            .Where(l => l.StartsWith("Environment=", StringComparison.Ordinal))
            .Select(l => l["Environment=".Length..]).ToHashSet();
        var compose = File.ReadAllLines(Path.Combine(CatalogTestPaths.RepoRoot, "deploy", "docker-compose.yml"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("DOTNET_", StringComparison.Ordinal))
            .Select(l => l.Replace(": ", "=").Replace("\"", "")).ToHashSet();
        var benchmarks = File.ReadAllText(Path.Combine(CatalogTestPaths.RepoRoot, "tests", "MusicRec.Benchmarks", "DeployedServiceRuntime.cs"));
        foreach (var setting in ServiceGc)
        {
            Assert.Contains(setting, unit);
            Assert.Contains(setting, compose);
            var (name, value) = (setting.Split('=')[0], setting.Split('=')[1]);
            Assert.Contains($"[\"{name}\"] = \"{value}\"", benchmarks);
        }
    }
}
