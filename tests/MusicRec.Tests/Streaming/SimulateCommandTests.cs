using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MusicRec.Host.Commands;
using MusicRec.Stores;

namespace MusicRec.Tests.Streaming;

public class SimulateCommandTests
{
    private static InMemoryTrackStore Store() => new(ActivitySimulatorTests.Documents(perGenre: 5));

    private static Task<int> Run(Func<string, ITrackStore>? openStore, params string[] args)
    {
        var root = new RootCommand("test") { SimulateCommand.Create(openStore) };
        return Cli.RunAsync(root, ["simulate", .. args]);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Web_mode_posts_activity_without_event_id_or_ts()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var bodies = new List<JsonElement>();
        var paths = new List<string>();
        var server = Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                var ctx = await listener.GetContextAsync();
                using var reader = new StreamReader(ctx.Request.InputStream);
                lock (bodies)
                {
                    bodies.Add(JsonDocument.Parse(reader.ReadToEnd()).RootElement.Clone());
                    paths.Add($"{ctx.Request.HttpMethod} {ctx.Request.Url!.AbsolutePath}");
                }
                ctx.Response.StatusCode = 202;
                ctx.Response.Close();
            }
        });

        var code = await Run(_ => Store(), "--web", $"http://127.0.0.1:{port}", "--users", "3", "--events", "2", "--seed", "4");
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, code);
        Assert.Equal(6, bodies.Count);
        Assert.All(paths, p => Assert.Equal("POST /api/activity", p));
        Assert.All(bodies, b =>
        {
            Assert.Equal(["action", "track_id", "user_id"], b.EnumerateObject().Select(p => p.Name).Order());
            Assert.StartsWith("sim", b.GetProperty("user_id").GetString());
        });
    }

    [Fact]
    public async Task Bad_arguments_exit_non_zero()
    {
        Assert.Equal(1, await Run(_ => Store(), "--kafka", "h:1", "--web", "http://x", "--users", "1"));
        Assert.Equal(1, await Run(_ => Store(), "--web", "ftp://x", "--users", "1"));
        Assert.Equal(1, await Run(_ => Store(), "--web", "http://127.0.0.1:1", "--users", "0"));
        Assert.Equal(1, await Run(_ => Store(), "--kafka", "127.0.0.1:1", "--kafka-property", "novalue"));
        Assert.Equal(1, await Run(_ => new InMemoryTrackStore(), "--web", "http://127.0.0.1:1"));
        Assert.Equal(2, await Run(null, "--web", "http://127.0.0.1:1"));
        // nothing listens on port 1: every post fails, the command says so
        Assert.Equal(1, await Run(_ => Store(), "--web", "http://127.0.0.1:1", "--users", "1", "--events", "2"));
    }
}
