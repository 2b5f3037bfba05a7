using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace MusicRec.Host.Service;

/// <summary>Akka.Hosting setup shared by every node: logging, remoting, cluster, split-brain resolver, self-join when alone.</summary>
internal static class ClusterSetup
{
    public static AkkaConfigurationBuilder WithMusicRecCluster(this AkkaConfigurationBuilder builder, ServeOptions options)
    {
        // The HOCON files (hocon/musicrec.hocon, MUSICREC_HOCON) come in as a fallback (ServiceComposition);
        // what the command line sets here wins over them.
        builder
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithRemoting(new RemoteOptions { HostName = options.ClusterHost, Port = options.ClusterPort })
            .WithClustering(new ClusterOptions
            {
                SeedNodes = options.SeedNodes.Select(a => a.ToString()).ToArray(),
                SplitBrainResolver = new KeepMajorityOption(),
            });

        // No seed node given: this node is a cluster of its own (the default; the multi-node setup only adds nodes).
        if (options.SeedNodes.Count == 0)
            builder.AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        return builder;
    }
}
