using System.Text;
using MusicRec.Streaming.Transport;

namespace MusicRec.IntegrationTests.Kafka;

/// <summary>The Kafka producer client against the real test broker.</summary>
public class KafkaProducerTests
{
    [Fact]
    public async Task A_full_local_queue_makes_a_send_wait_and_every_record_arrives_in_the_order_given()
    {
        var topic = KafkaTestBroker.Unique("full");
        await KafkaTestBroker.CreateTopicAsync(topic, 1);
        // A local queue of ten records: sending 2,000 at once fills it at once, again and again.
        var settings = KafkaTestBroker.Settings.WithProperties(new Dictionary<string, string> { ["queue.buffering.max.messages"] = "10" });
        using var transport = new KafkaTransport(settings);
        var values = Enumerable.Range(0, 2000).Select(i => $"r{i}").ToList();

        DeliveryReport[] reports;
        using (var producer = transport.CreateProducer())
            reports = await Task.WhenAll(values.Select(v => producer.ProduceAsync(new OutgoingRecord(topic, "one-key", v))).ToList());

        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), reports.Select(r => r.Offset).Order());
        var read = KafkaPipelineTests.ReadTopic(transport, topic, r => r.Count >= values.Count, KafkaPipelineTests.Wait);
        Assert.Equal(values, read.Select(r => Encoding.UTF8.GetString(r.Value!)));
    }
}
