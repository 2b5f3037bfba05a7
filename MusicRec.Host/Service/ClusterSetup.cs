using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace MusicRec.Host.Service;

/// <summary>Akka.Hosting setup shared by every node: HOCON, logging, remoting, cluster, split-brain resolver.</summary>
internal static class ClusterSetup
{
    /// <summary>hocon/musicrec.hocon beside the binary (MusicRec.Host.csproj copies it there).</summary>
    public static string DefaultHoconPath => Path.Combine(AppContext.BaseDirectory, "hocon", "musicrec.hocon");

    public static AkkaConfigurationBuilder WithMusicRecCluster(this AkkaConfigurationBuilder builder, ServeOptions options)
    {
        // Later AddHocon calls with Prepend win, so the layered file (if any) overrides the shipped defaults.
        builder.AddHoconFile(DefaultHoconPath, HoconAddMode.Append);
        if (options.ExtraHoconFile is not null) builder.AddHoconFile(options.ExtraHoconFile, HoconAddMode.Prepend);

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
