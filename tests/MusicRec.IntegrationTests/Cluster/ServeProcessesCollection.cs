namespace MusicRec.IntegrationTests.Cluster;

/// <summary>
/// Tests that start `musicrec serve` processes run one at a time and never beside other test classes: three
/// nodes already share the machine's two cores with Kafka and PostgreSQL, and their timings (failure
/// detection, Kafka session timeouts) should not depend on what else the test run does at that moment.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServeProcessesCollection
{
    public const string Name = "serve processes";
}
