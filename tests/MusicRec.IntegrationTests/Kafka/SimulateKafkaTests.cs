using System.CommandLine;
using MusicRec.Catalog;
using MusicRec.Host.Commands;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;

namespace MusicRec.IntegrationTests.Kafka;

public class SimulateKafkaTests
{
    [Fact]
    public async Task Simulate_sends_every_event_to_user_activity_on_the_broker()
    {
        var settings = KafkaTestBroker.Settings;
        var random = new Random(9);
        var docs = Enumerable.Range(1, 40).Select(id => new TrackDocument
        {
            TrackId = id,
            Metadata = new TrackRecord { TrackId = id, GenreId = 1 + id % 4 },
            Mfccs = new double[20],
            SpectralCentroid = 0,
            ZeroCrossingRate = 0,
            Features = [.. Enumerable.Range(0, 6).Select(_ => random.NextDouble())],
        }).ToList();
        var seed = Random.Shared.Next();
        var root = new RootCommand("test") { SimulateCommand.Create(_ => new InMemoryTrackStore(docs)) };
        string[] args = ["simulate", "--kafka", settings.BootstrapServers,
            .. settings.Properties.SelectMany(p => new[] { "--kafka-property", $"{p.Key}={p.Value}" }),
            "--users", "5", "--events", "4", "--seed", seed.ToString(), "--store", "memory:test"];
        Assert.Equal(0, await Cli.RunAsync(root, args));

        // The same seed gives the same event ids: all twenty are on the topic.
        var catalogue = docs.Select(d => new SimulatedTrack(d.TrackId, d.Metadata.GenreId, d.Features)).ToList();
        var expected = new ActivitySimulator(catalogue, new SimulatorOptions(5, 4, Seed: seed)).Events().Select(e => e.EventId).ToHashSet();
        using var transport = new MusicRec.Streaming.Transport.KafkaTransport(settings);
        var found = new HashSet<string>();
        KafkaPipelineTests.ReadTopic(transport, Topics.UserActivity, records =>
        {
            // called after every poll: the newest record is the only one not looked at yet
            if (records.Count > 0 && ActivityValidator.Validate(records[^1].Value, _ => true) is ActivityValidation.Valid v
                && expected.Contains(v.Event.EventId))
                found.Add(v.Event.EventId);
            return found.Count == expected.Count;
        }, KafkaPipelineTests.Wait);
        Assert.Equal(expected.Count, found.Count);
    }
}
