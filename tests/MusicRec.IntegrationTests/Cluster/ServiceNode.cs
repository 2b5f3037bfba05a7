using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// One `musicrec serve` process started from the built MusicRec.Host.dll with `dotnet`, with its own cluster
/// port and admin URL. Keeps its output (for failure messages) and can be killed hard or asked to leave.
/// </summary>
public sealed partial class ServiceNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly HttpClient _http;
    private readonly StreamWriter _logFile;

    public string Name { get; }
    public int ClusterPort { get; }
    public string AdminUrl { get; }
    public string Address => $"akka.tcp://musicrec@127.0.0.1:{ClusterPort}";
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _output);
    /// <summary>The node's whole output, kept as a test artifact.</summary>
    public string LogPath { get; }

    private ServiceNode(string name, int clusterPort, string adminUrl, Process process, string logPath)
    {
        _logFile = new StreamWriter(logPath, append: false) { AutoFlush = true };
        LogPath = logPath;
        Name = name;
        ClusterPort = clusterPort;
        AdminUrl = adminUrl;
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri(adminUrl), Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>The built host: MusicRec.Host/bin/{Configuration}/net10.0/MusicRec.Host.dll, same configuration as the tests.</summary>
    public static string HostDll()
    {
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(testBin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testBin)!);
        var dll = Path.Combine(RepoPaths.Root, "MusicRec.Host", "bin", configuration, tfm, "MusicRec.Host.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is missing: build the solution first (`dotnet build MusicRec.sln -c {configuration}`, as scripts/test.sh does).");
        return dll;
    }

    /// <summary>A node with its web page on <paramref name="webPort"/> (the admin endpoints share that listener).</summary>
    public static ServiceNode StartWithWeb(string name, int webPort, string workDir, IEnumerable<string> serveArgs) =>
        Launch(name, 0, $"http://127.0.0.1:{webPort}", workDir, serveArgs, null);

    /// <summary>`musicrec demo` with its page on <paramref name="webPort"/> (same listener for /readyz).</summary>
    public static ServiceNode StartDemo(int webPort, string workDir, IEnumerable<string> demoArgs,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Launch("demo", 0, $"http://127.0.0.1:{webPort}", workDir, demoArgs, environment, command: "demo");

    public static ServiceNode Start(string name, int clusterPort, int adminPort, string workDir, IEnumerable<string> serveArgs,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Launch(name, clusterPort, $"http://127.0.0.1:{adminPort}", workDir,
            [.. serveArgs, "--no-web", "--admin-url", $"http://127.0.0.1:{adminPort}", "--cluster-port", clusterPort.ToString()], environment);

    private static ServiceNode Launch(string name, int clusterPort, string adminUrl, string workDir, IEnumerable<string> serveArgs,
        IReadOnlyDictionary<string, string>? environment, string command = "serve")
    {
        Directory.CreateDirectory(workDir);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(HostDll());
        psi.ArgumentList.Add(command);
        foreach (var a in serveArgs) psi.ArgumentList.Add(a);
        // Nothing from the developer's own environment may change the node (a MUSICREC_KAFKA left set, say).
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MUSICREC_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        // Three nodes, Kafka and PostgreSQL share this machine's two cores: one GC heap and thread per node, not the
        // host's server GC (a heap and GC thread per core in every node). A node on its own machine keeps server GC.
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var logDir = Environment.GetEnvironmentVariable("MUSICREC_TEST_ARTIFACTS") is { Length: > 0 } artifacts ? artifacts : workDir;
        Directory.CreateDirectory(logDir);
        var node = new ServiceNode(name, clusterPort, adminUrl, process, Path.Combine(logDir, $"cluster-{Path.GetFileName(Path.GetDirectoryName(workDir))}-{name}.log"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node.Keep(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node.Keep("ERR " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Keep(string line)
    {
        lock (_logFile) _logFile.WriteLine(line);
        _output.Enqueue(line);
        while (_output.Count > 4000) _output.TryDequeue(out _);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was ready:\n{Tail()}");
            try
            {
                using var response = await _http.GetAsync("/readyz");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException e) { last = e.Message; }
            catch (TaskCanceledException e) { last = e.Message; }
            await Task.Delay(300);
        }
        throw new TimeoutException($"{Name} not ready after {timeout.TotalSeconds:0} s (last /readyz: {last}):\n{Tail()}");
    }

    public async Task<ClusterView> ClusterAsync() =>
        (await _http.GetFromJsonAsync<ClusterView>("/api/admin/cluster", Json))!;

    /// <summary>Shards and entities of every node, as this node's dashboard reports them.</summary>
    public async Task<List<DashboardNodeView>> DashboardNodesAsync() =>
        (await _http.GetFromJsonAsync<DashboardOverviewView>("/api/admin/dashboard/overview", Json))!.Nodes;

    /// <summary>The user's state as its entity reports it, or null when the region could not answer (moving shard).</summary>
    public async Task<UserState?> UserStateAsync(string userId)
    {
        using var response = await _http.GetAsync($"/api/admin/users/{userId}/state");
        if (!response.IsSuccessStatusCode) return null;
        return await response.Content.ReadFromJsonAsync<UserState>(Json);
    }

    /// <summary>User ids whose entities live on this node (the node's last sample, at most 2 s old).</summary>
    public async Task<List<string>> EntitiesAsync() =>
        (await _http.GetFromJsonAsync<List<string>>("/api/admin/entities", Json))!;

    public async Task<string> MetricsAsync() => await _http.GetStringAsync("/metrics");

    /// <summary>What this node's listening model has read (<c>model</c> of GET /api/stats), as its JSON text.</summary>
    public async Task<string> ModelAsync()
    {
        using var stats = System.Text.Json.JsonDocument.Parse(await _http.GetStringAsync("/api/stats"));
        return stats.RootElement.GetProperty("model").GetRawText();
    }

    /// <summary>kill -9 of the node and anything it started: no CoordinatedShutdown, no goodbye to the cluster.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as systemd or docker stop sends: the node should drain, hand off, leave and exit 0.</summary>
    public void Terminate()
    {
        if (SysKill(_process.Id, 15) != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} still running {timeout.TotalSeconds:0} s after it was asked to stop:\n{Tail()}");
        }
        return _process.ExitCode;
    }

    public string Tail(int lines = 60) => string.Join('\n', _output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* exited meanwhile */ }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _http.Dispose();
        lock (_logFile) _logFile.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

public sealed record ClusterView(
    string SelfAddress, string SelfStatus, List<MemberInfo> Members, List<string> Unreachable, string? Leader, int Shards, int Entities);

public sealed record MemberInfo(string Address, string Status);

public sealed record DashboardOverviewView(List<DashboardNodeView> Nodes);

public sealed record DashboardNodeView(string Address, int? Shards, int? Entities);

public sealed record UserState(
    string UserId, long EventsApplied, long BatchesEmitted,
    [property: JsonPropertyName("recentTracks")] List<int> RecentTracks,
    [property: JsonPropertyName("recommendedTracks")] List<int> RecommendedTracks,
    [property: JsonPropertyName("pendingSuggestions")] List<int> PendingSuggestions);
