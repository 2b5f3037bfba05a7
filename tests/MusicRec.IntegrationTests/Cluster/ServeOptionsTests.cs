using MusicRec.Host.Commands;
using MusicRec.Host.Service;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>How `serve` resolves its options: command line, then MUSICREC_* variables, then defaults; clear errors.</summary>
public sealed class ServeOptionsTests
{
    private static ServeOptions Resolve(Dictionary<string, string>? env = null, string? journal = null, int? port = null,
        string[]? seeds = null, string[]? kafkaProperties = null, bool noWeb = false, string? web = null) =>
        ServeOptions.Resolve(null, null, kafkaProperties ?? [], web, noWeb, null, null, port, seeds ?? [], journal,
            name => env?.GetValueOrDefault(name));

    [Fact]
    public void Defaults_are_a_node_alone_on_loopback_with_the_web_page_and_a_sqlite_journal()
    {
        var o = Resolve();
        Assert.Equal("sqlite:./musicrec.db", o.Store);
        Assert.Null(o.Kafka);
        Assert.Equal("http://127.0.0.1:5080", o.WebUrl);
        Assert.Equal("127.0.0.1", o.ClusterHost);
        Assert.Equal(0, o.ClusterPort);
        Assert.Empty(o.SeedNodes);
        Assert.Null(o.Journal);
        Assert.False(o.JoinsOtherNodes);
    }

    [Fact]
    public void Environment_variables_fill_what_the_command_line_leaves_out()
    {
        var o = Resolve(new()
        {
            ["MUSICREC_STORE"] = "sqlite:/data/c.db", ["MUSICREC_KAFKA"] = "k:9092", ["MUSICREC_WEB_URL"] = "http://127.0.0.1:6000",
            ["MUSICREC_CLUSTER_PORT"] = "4053", ["MUSICREC_SEED_NODES"] = "akka.tcp://musicrec@10.0.0.1:4053, akka.tcp://musicrec@10.0.0.2:4053",
            ["MUSICREC_JOURNAL"] = "Host=pg;Password=secret",
        });
        Assert.Equal("sqlite:/data/c.db", o.Store);
        Assert.Equal("k:9092", o.Kafka);
        Assert.Equal("http://127.0.0.1:6000", o.WebUrl);
        Assert.Equal(4053, o.ClusterPort);
        Assert.Equal(2, o.SeedNodes.Count);
        Assert.True(o.JoinsOtherNodes);
        Assert.Equal("Host=pg;Password=***", ServeOptions.Mask(o.Journal));
    }

    [Fact]
    public void The_command_line_wins_over_the_environment()
    {
        var o = Resolve(new() { ["MUSICREC_CLUSTER_PORT"] = "4053", ["MUSICREC_WEB_URL"] = "http://127.0.0.1:6000" }, port: 5000, noWeb: true);
        Assert.Equal(5000, o.ClusterPort);
        Assert.Null(o.WebUrl);
    }

    [Fact]
    public async Task An_in_flight_limit_the_recommenders_batches_do_not_cover_stops_the_start_with_one_clear_error()
    {
        var hocon = Path.Combine(Path.GetTempPath(), $"musicrec-inflight-{Guid.NewGuid():N}.hocon");
        await File.WriteAllTextAsync(hocon, "musicrec.pipeline.max-in-flight-per-user = 193");
        try
        {
            var options = Resolve(new() { ["MUSICREC_HOCON"] = hocon });
            var e = await Assert.ThrowsAsync<CliException>(() => ServiceParts.OpenAsync(options, CancellationToken.None));
            Assert.StartsWith("musicrec.pipeline: max-in-flight-per-user is 193, but it must be between 1 and 192", e.Message);
        }
        finally
        {
            File.Delete(hocon);
        }
    }

    [Fact]
    public void A_seed_list_naming_only_this_node_is_a_node_alone()
    {
        var o = Resolve(port: 4053, seeds: ["akka.tcp://musicrec@127.0.0.1:4053"]);
        Assert.False(o.JoinsOtherNodes);
    }

    [Theory]
    [InlineData("127.0.0.1:4053")]
    [InlineData("akka.tcp://other@127.0.0.1:4053")]
    [InlineData("akka.tcp://musicrec@127.0.0.1")]
    public void A_malformed_seed_node_is_one_clear_error(string seed)
    {
        var e = Assert.Throws<CliException>(() => Resolve(seeds: [seed], journal: "Host=pg"));
        Assert.Contains("akka.tcp://musicrec@", e.Message);
    }

    [Fact]
    public void Joining_other_nodes_without_a_shared_journal_is_refused()
    {
        var e = Assert.Throws<CliException>(() => Resolve(port: 4054, seeds: ["akka.tcp://musicrec@127.0.0.1:4053"]));
        Assert.Contains("MUSICREC_JOURNAL", e.Message);
    }

    [Theory]
    [InlineData("novalue")]
    [InlineData("=x")]
    public void A_kafka_property_must_be_key_value(string pair) =>
        Assert.Throws<CliException>(() => Resolve(kafkaProperties: [pair]));

    [Fact]
    public void A_bad_port_or_web_url_is_refused()
    {
        Assert.Throws<CliException>(() => Resolve(port: 70000));
        Assert.Throws<CliException>(() => Resolve(web: "ftp://x"));
        Assert.Throws<CliException>(() => Resolve(new() { ["MUSICREC_CLUSTER_PORT"] = "abc" }));
    }

    private const string Key = "correct-horse-battery-staple-42";

    [Fact]
    public void Without_a_key_only_loopback_listeners_are_allowed()
    {
        Assert.Null(Resolve().ApiKey);
        Assert.NotNull(Resolve(web: "http://localhost:5080"));
        var e = Assert.Throws<CliException>(() => Resolve(web: "http://0.0.0.0:5080"));
        Assert.Contains("--api-key", e.Message);
        Assert.Throws<CliException>(() => ServeOptions.Resolve(null, null, [], null, true, "http://0.0.0.0:8080", null, null, [], null, _ => null));
    }

    [Fact]
    public void A_key_from_the_command_line_the_environment_or_a_file_allows_any_listener()
    {
        var fromOption = ServeOptions.Resolve(null, null, [], "http://0.0.0.0:5080", false, null, null, null, [], null, _ => null, apiKey: Key);
        Assert.True(fromOption.ApiKey!.Matches(Key));
        var fromEnv = Resolve(new() { ["MUSICREC_API_KEY"] = Key }, web: "http://0.0.0.0:5080");
        Assert.True(fromEnv.ApiKey!.Matches(Key));
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Key + "\n");
            var fromFile = Resolve(new() { ["MUSICREC_API_KEY_FILE"] = file }, web: "http://0.0.0.0:5080");
            Assert.True(fromFile.ApiKey!.Matches(Key));
            var both = Assert.Throws<CliException>(() => Resolve(new() { ["MUSICREC_API_KEY_FILE"] = file, ["MUSICREC_API_KEY"] = Key }));
            Assert.Contains("not both", both.Message);
        }
        finally { File.Delete(file); }
        var missing = Assert.Throws<CliException>(() => Resolve(new() { ["MUSICREC_API_KEY_FILE"] = "/nonexistent/key" }));
        Assert.Contains("/nonexistent/key", missing.Message);
        var tooShort = Assert.Throws<CliException>(() => Resolve(new() { ["MUSICREC_API_KEY"] = "abc123" }));
        Assert.DoesNotContain("abc123", tooShort.Message);
    }

    [Fact]
    public void The_start_note_says_how_the_listener_is_protected_and_never_holds_the_key()
    {
        var open = MusicRecService.AccessNote(Resolve(), "http://127.0.0.1:5080");
        Assert.Contains("loopback only", open);
        var keyed = MusicRecService.AccessNote(Resolve(new() { ["MUSICREC_API_KEY"] = Key }), "http://0.0.0.0:5080");
        Assert.Contains("API key set", keyed);
        Assert.DoesNotContain(Key, keyed);
    }
}
