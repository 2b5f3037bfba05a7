using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;

namespace MusicRec.IntegrationTests.Cluster;

/// <summary>The real services scripts/test.sh starts, and what the cluster tests need from them.</summary>
internal sealed class ClusterTestEnvironment
{
    /// <summary>librdkafka settings for the 0.9.0.1 test broker; a short session so a killed node's partitions move soon.</summary>
    public static readonly IReadOnlyDictionary<string, string> KafkaProperties = new Dictionary<string, string>
    {
        ["api.version.request"] = "false",
        ["broker.version.fallback"] = "0.9.0.1",
        ["session.timeout.ms"] = "6000",
        ["heartbeat.interval.ms"] = "1000",
    };

    public required string Kafka { get; init; }
    public required string Postgres { get; init; }
    public required string KafkaHome { get; init; }
    public required string ZooKeeper { get; init; }

    public static ClusterTestEnvironment FromEnvironment()
    {
        string Need(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v
            : throw new InvalidOperationException($"{name} is not set: run the tests through scripts/test.sh, which starts Kafka and PostgreSQL.");
        return new ClusterTestEnvironment
        {
            Kafka = Need("MUSICREC_TEST_KAFKA"),
            Postgres = Need("MUSICREC_TEST_PG"),
            KafkaHome = Need("MUSICREC_TEST_KAFKA_HOME"),
            ZooKeeper = Need("MUSICREC_TEST_ZOOKEEPER"),
        };
    }

    public IEnumerable<string> KafkaArgs()
    {
        yield return "--kafka";
        yield return Kafka;
        foreach (var (k, v) in KafkaProperties)
        {
            yield return "--kafka-property";
            yield return $"{k}={v}";
        }
    }

    public ClientConfig ClientConfig()
    {
        var config = new ClientConfig { BootstrapServers = Kafka };
        foreach (var (k, v) in KafkaProperties) config.Set(k, v);
        return config;
    }

    /// <summary>Creates a topic with the broker's own tool (the 0.9 broker's AdminClient cannot).</summary>
    public async Task CreateTopicAsync(string topic, int partitions)
    {
        var psi = new ProcessStartInfo(Path.Combine(KafkaHome, "bin", "kafka-topics.sh"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--create", "--zookeeper", ZooKeeper, "--topic", topic, "--partitions", partitions.ToString(), "--replication-factor", "1" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"kafka-topics.sh --create {topic} failed: {output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
