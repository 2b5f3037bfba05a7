using System.Net.Http.Json;
using System.Text.Json;
using MusicRec.IntegrationTests.Cluster;
using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Demo;

/// <summary>
/// The README's first command, `musicrec demo`, as a newcomer runs it: a sample catalogue is written, the ETL fills
/// the embedded store, the service starts on the in-process bus with the page, the simulator's listeners get
/// batches of three, and Ctrl-C (SIGTERM here) stops it with exit 0. The terminal stays quiet: progress, a summary
/// and the page's URL within the first 40 lines; the service's log goes to DIR/demo.log. Needs nothing installed.
/// </summary>
[Trait("Category", "Demo")]
[Collection(ServeProcessesCollection.Name)]
public sealed class DemoCommandTests(ITestOutputHelper output) : ServeProcessTest(output, "demo")
{
    [Fact(Timeout = 240_000)]
    public async Task Demo_builds_the_catalogue_serves_the_page_and_simulated_listeners_get_batches_of_three()
    {
        var dir = Path.Combine(Work, "demo");
        var port = ClusterTestEnvironment.FreePort();
        Node = ServiceNode.StartDemo(port, Work, ["--dir", dir, "--tracks", "24", "--web", $"http://127.0.0.1:{port}", "--users", "3", "--rate", "20"]);
        await Node.WaitReadyAsync(TimeSpan.FromSeconds(200));

        // The URL is printed once the host has started, which is about when /readyz answers.
        var url = $"http://127.0.0.1:{port}/?user=sim0";
        string[] terminal = [];
        await Poll.UntilAsync(() => (terminal = Node!.Output.Split('\n')).Any(l => l.Contains(url)), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100),
            () => $"{url} is not in the terminal output after 5 s:\n{Node!.Output}");
        var urlLine = Array.FindIndex(terminal, l => l.Contains(url));
        Assert.True(urlLine is >= 0 and < 40, $"the URL is on line {urlLine + 1} of the terminal output:\n{Node.Output}");
        Assert.DoesNotContain(terminal, l => l.Contains("Akka.Actor.ActorSystem") || l.Contains("[INFO]"));
        var logPath = Path.Combine(dir, "demo.log");
        Assert.Contains(terminal, l => l.Contains($"service log: {logPath}"));
        Assert.True(File.Exists(logPath), $"{logPath} is missing");
        // Shared read: the demo still has the file open for writing.
        string Log() { using var r = new StreamReader(new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)); return r.ReadToEnd(); }
        Assert.Contains("MusicRec.Serve", Log());
        Assert.Contains("ETL summary", Log());

        // The ETL ran for real: one final.csv row per sample track, a scaler, and the store behind the page.
        var finalRows = File.ReadAllLines(Path.Combine(dir, "out", "final.csv")).Length - 1;
        Assert.Equal(24, finalRows);
        Assert.True(File.Exists(Path.Combine(dir, "out", "scaler.json")));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var page = await http.GetStringAsync("/?user=sim0");
        Assert.Contains("MusicRec", page);

        var batch = await DemoBatches.FirstAsync(http, "sim0", TimeSpan.FromSeconds(60));
        Assert.True(batch.ValueKind == JsonValueKind.Object, $"no batch for sim0 within 60 s:\n{Node.Tail()}");
        Assert.StartsWith("sim0-", batch.GetProperty("batch_id").GetString());
        Assert.Equal(3, batch.GetProperty("tracks").GetArrayLength());
        Output.WriteLine(batch.ToString());

        Node.Terminate();
        Assert.Equal(0, await Node.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains("Activity pipeline drained", Log());
    }
}
