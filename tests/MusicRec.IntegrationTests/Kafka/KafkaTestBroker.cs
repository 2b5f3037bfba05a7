using System.Diagnostics;
using MusicRec.Streaming;

namespace MusicRec.IntegrationTests.Kafka;

/// <summary>The test broker started by scripts/test.sh (or services.sh's start_kafka): settings, topics, restarts.</summary>
internal static class KafkaTestBroker
{
    private static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException(
                $"{name} is not set: these tests need the test Kafka broker. Run scripts/test.sh (or: source scripts/lib/services.sh; start_kafka; dotnet test ...; stop_kafka).");

    public static string Bootstrap => Require("MUSICREC_TEST_KAFKA");

    /// <summary>What the 0.9.0.1 test broker needs, passed as properties the way a user would.</summary>
    public static KafkaSettings Settings => KafkaSettings.Create(Bootstrap,
    [
        "api.version.request=false",
        "broker.version.fallback=0.9.0.1",
        "session.timeout.ms=10000",
        "heartbeat.interval.ms=1000",
        "topic.metadata.refresh.interval.ms=2000",
        "reconnect.backoff.max.ms=1000",
    ]);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static async Task CreateTopicAsync(string topic, int partitions)
    {
        var home = Require("MUSICREC_TEST_KAFKA_HOME");
        var zk = Require("MUSICREC_TEST_ZOOKEEPER");
        var (code, output) = await RunAsync(Path.Combine(home, "bin", "kafka-topics.sh"),
            "--zookeeper", zk, "--create", "--topic", topic, "--partitions", partitions.ToString(), "--replication-factor", "1");
        if (code != 0) throw new InvalidOperationException($"kafka-topics.sh failed ({code}): {output}");
    }

    /// <summary>Stops the broker (the process services.sh started, by its pid file) and waits for it to exit.</summary>
    public static async Task StopBrokerAsync()
    {
        var pidFile = Path.Combine(Path.GetDirectoryName(Require("MUSICREC_TEST_KAFKA_CONFIG"))!, "kafka.pid");
        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim());
        using var broker = Process.GetProcessById(pid);
        await RunAsync("kill", "-TERM", pid.ToString());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await broker.WaitForExitAsync(cts.Token);
    }

    /// <summary>Starts the broker again on the same configuration (same port, same logs), as services.sh's restart_kafka.</summary>
    public static async Task StartBrokerAsync()
    {
        var config = Require("MUSICREC_TEST_KAFKA_CONFIG");
        var dir = Path.GetDirectoryName(config)!;
        var home = Require("MUSICREC_TEST_KAFKA_HOME");
        var script = $"export KAFKA_GC_LOG_OPTS=' ' KAFKA_JVM_PERFORMANCE_OPTS='-server -XX:+UseG1GC' KAFKA_HEAP_OPTS='-Xmx512m -Xms256m' LOG_DIR='{dir}/logs'; " +
                     $"nohup '{home}/bin/kafka-server-start.sh' '{config}' >>'{dir}/kafka.out' 2>&1 & echo $! > '{dir}/kafka.pid'";
        var (code, output) = await RunAsync("bash", "-c", script);
        if (code != 0) throw new InvalidOperationException($"restarting the broker failed: {output}");
        var port = int.Parse(Bootstrap.Split(':')[^1]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(200);
            }
        }
        throw new TimeoutException("the broker did not come back within 60 s");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
