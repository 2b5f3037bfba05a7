using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Event;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Configuration;

namespace MusicRec.Host.Service;

/// <summary>Akka.Hosting setup shared by every node: logging, remoting, cluster, split-brain resolver, self-join when alone.</summary>
internal static class ClusterSetup
{
    /// <param name="configuration">The host's configuration: <c>Logging:LogLevel:Akka</c> sets Akka's own log level.</param>
    public static AkkaConfigurationBuilder WithMusicRecCluster(this AkkaConfigurationBuilder builder, ServeOptions options,
        IConfiguration configuration)
    {
        // The HOCON files (hocon/musicrec.hocon, MUSICREC_HOCON) come in as a fallback (ServiceComposition);
        // what the command line sets here wins over them.
        builder
            .ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = AkkaLogLevel(configuration);
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

    /// <summary>
    /// Akka's level from the logging configuration's "Akka" category (appsettings.json: Warning, so remoting, cluster,
    /// singleton and coordinator INFO lines stay out), so one setting governs both Akka's filter and the logger
    /// factory's; also Akka's own stdout lines while the actor system stops.
    /// </summary>
    internal static LogLevel AkkaLogLevel(IConfiguration configuration) =>
        Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(configuration["Logging:LogLevel:Akka"], ignoreCase: true, out var level)
            ? level switch
            {
                Microsoft.Extensions.Logging.LogLevel.Trace or Microsoft.Extensions.Logging.LogLevel.Debug => LogLevel.DebugLevel,
                Microsoft.Extensions.Logging.LogLevel.Information => LogLevel.InfoLevel,
                Microsoft.Extensions.Logging.LogLevel.Warning => LogLevel.WarningLevel,
                _ => LogLevel.ErrorLevel,
            }
            : LogLevel.WarningLevel;
}
