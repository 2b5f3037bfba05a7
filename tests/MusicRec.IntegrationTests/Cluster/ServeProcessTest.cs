using Xunit.Abstractions;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// A test that runs one `musicrec` process (serve or demo) in a work folder of its own: the folder is made before
/// the test, and afterwards the process's last lines go to the test output, the process is killed if still running
/// and the folder is removed (kept with MUSICREC_TEST_KEEP=1).
/// </summary>
public abstract class ServeProcessTest(ITestOutputHelper output, string name) : IAsyncLifetime
{
    protected ITestOutputHelper Output { get; } = output;
    protected string Work { get; } = Path.Combine(Path.GetTempPath(), $"musicrec-{name}-{Guid.NewGuid():N}");
    protected ServiceNode? Node { get; set; }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Work);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (Node is not null)
        {
            Output.WriteLine(Node.Tail(40));
            await Node.DisposeAsync();
        }
        if (Environment.GetEnvironmentVariable("MUSICREC_TEST_KEEP") == "1") return;
        try { Directory.Delete(Work, recursive: true); }
        catch (IOException e) { Output.WriteLine($"could not remove {Work}: {e.Message}"); }
    }
}
