using MusicRec.Host.Service;
using MusicRec.Tests.Catalog;

namespace MusicRec.Tests.Deploy;

/// <summary>
/// The deployments run the service with the GC and JIT settings the service's benchmarks measure it with
/// (tests/MusicRec.Benchmarks/DeployedServiceRuntime.cs): a figure in docs/benchmarks.md holds only with these.
/// </summary>
public class DeploymentRuntimeTests
{
    private static readonly string[] ServiceRuntime =
        ["DOTNET_gcServer=1", "DOTNET_GCConserveMemory=0", "DOTNET_GCDynamicAdaptationMode=0", "DOTNET_TieredCompilation=1"];

    [Fact]
    public void The_systemd_unit_and_the_compose_file_set_the_benchmarked_runtime()
    {
        var unit = File.ReadAllLines(Path.Combine(CatalogTestPaths.RepoRoot, "deploy", "musicrec.service"))
            .Where(l => l.StartsWith("Environment=", StringComparison.Ordinal))
            .Select(l => l["Environment=".Length..]).ToHashSet();
        var compose = File.ReadAllLines(Path.Combine(CatalogTestPaths.RepoRoot, "deploy", "docker-compose.yml"))
            .Select(l => l.Trim()).Where(l => l.StartsWith("DOTNET_", StringComparison.Ordinal))
            .Select(l => l.Replace(": ", "=").Replace("\"", "")).ToHashSet();
        var benchmarks = File.ReadAllText(Path.Combine(CatalogTestPaths.RepoRoot, "tests", "MusicRec.Benchmarks", "DeployedServiceRuntime.cs"));
        foreach (var setting in ServiceRuntime)
        {
            Assert.Contains(setting, unit);
            Assert.Contains(setting, compose);
            var (name, value) = (setting.Split('=')[0], setting.Split('=')[1]);
            Assert.Contains($"[\"{name}\"] = \"{value}\"", benchmarks);
        }
    }

    [Theory]
    [InlineData("1", null, true)]
    [InlineData("0", null, false)]
    [InlineData(null, "0", false)]
    [InlineData("1", "0", true)]
    public void Serve_reads_the_jit_setting_as_the_runtime_does(string? dotnet, string? complus, bool tiered) =>
        Assert.Equal(tiered, MusicRecService.TieredCompilation(name => name switch
        {
            "DOTNET_TieredCompilation" => dotnet,
            "COMPlus_TieredCompilation" => complus,
            _ => null,
        }));
}
