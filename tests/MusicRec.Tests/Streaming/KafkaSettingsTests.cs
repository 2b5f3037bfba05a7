using Akka.Configuration;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Tests.Streaming;

public class KafkaSettingsTests
{
    [Fact]
    public void Properties_pass_through_and_user_values_win_over_defaults()
    {
        var s = KafkaSettings.Create("h:9092", ["api.version.request=false", "linger.ms = 50", "sasl.password=a=b"]);
        Assert.Equal("false", s.Properties["api.version.request"]);
        Assert.Equal("a=b", s.Properties["sasl.password"]);
        Assert.DoesNotContain("a=b", s.ToString());
        var transport = new KafkaTransport(s);
        Assert.Equal("50", transport.ProducerConfig().LingerMs?.ToString());
        var consumer = transport.ConsumerConfig(new ConsumerOptions("g", ["t"]));
        Assert.Equal("g", consumer.GroupId);
        Assert.False(consumer.EnableAutoCommit);
        Assert.Equal("false", consumer.Get("api.version.request"));
    }

    [Fact]
    public void Malformed_property_is_an_error() =>
        Assert.Throws<FormatException>(() => KafkaSettings.Create("h:9092", ["novalue"]));

    [Fact]
    public void Hocon_gives_bootstrap_and_properties()
    {
        var config = ConfigurationFactory.ParseString("""
            musicrec.kafka {
              bootstrap-servers = "127.0.0.1:9092"
              properties {
                "api.version.request" = "false"
                "session.timeout.ms" = 10000
              }
            }
            """);
        var s = KafkaSettings.FromConfig(config)!;
        Assert.Equal("127.0.0.1:9092", s.BootstrapServers);
        Assert.Equal("false", s.Properties["api.version.request"]);
        Assert.Equal("10000", s.Properties["session.timeout.ms"]);
        Assert.Null(KafkaSettings.FromConfig(ConfigurationFactory.ParseString("a = 1")));
    }
}
