using System.Reflection;
using MusicRec.Benchmarks;

// Usage: dotnet run --project tests/MusicRec.Benchmarks -c Release -- [NAME ...] [--key value ...]
// With no name, lists the benchmarks. Each prints its figures and the ratio to its target.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name)
    .ToList();

var names = args.TakeWhile(a => !a.StartsWith("--")).ToList();
var options = args.Skip(names.Count).ToArray();
if (names.Count == 0)
{
    Console.WriteLine("Benchmarks (run one or more by name, or 'all'):");
    foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-24} {b.Description}");
    return 0;
}

var selected = names.Contains("all") ? benchmarks : benchmarks.Where(b => names.Contains(b.Name)).ToList();
var unknown = names.Where(n => n != "all" && benchmarks.All(b => b.Name != n)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)}");
    return 2;
}

var failed = 0;
// The service's benchmarks run in a child with the deployed service's runtime (unless this is that child).
var asDeployed = DeployedServiceRuntime.IsCurrent ? [] : selected.Where(b => b.MeasuresTheService).ToList();
foreach (var b in selected.Except(asDeployed))
{
    Console.WriteLine($"== {b.Name}: {b.Description}");
    bool ok;
    try
    {
        ok = await b.RunAsync(options);
    }
    catch (BenchmarkOptionException e)
    {
        Console.Error.WriteLine($"{b.Name}: {e.Message}");
        return 2;
    }
    Console.WriteLine($"== {b.Name}: {(ok ? "target met" : "TARGET MISSED")}");
    if (!ok) failed++;
}
if (asDeployed.Count > 0)
    switch (await DeployedServiceRuntime.RunAsync(asDeployed.Select(b => b.Name), options))
    {
        case 0: break;
        case 1: failed++; break;
        case var code: return code;
    }
return failed == 0 ? 0 : 1;
