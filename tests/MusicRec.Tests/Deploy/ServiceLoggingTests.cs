using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MusicRec.Host.Service;
using MusicRec.Tests.Catalog;
using AkkaLevel = Akka.Event.LogLevel;

namespace MusicRec.Tests.Deploy;

/// <summary>
/// The service's shipped logging settings (MusicRec.Host/appsettings.json): Akka's internals at Warning, in Akka's
/// own filter and the logger factory's alike, MusicRec's loggers at Information; and the demo's file log.
/// </summary>
public class ServiceLoggingTests
{
    private static IConfiguration Shipped(params (string Key, string Value)[] overrides) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(CatalogTestPaths.RepoRoot, "MusicRec.Host", "appsettings.json"), optional: false)
        .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
        .Build();

    [Fact]
    public void Akka_logs_at_warning_by_default_and_the_logging_setting_changes_it()
    {
        Assert.Equal(AkkaLevel.WarningLevel, ClusterSetup.AkkaLogLevel(Shipped()));
        Assert.Equal(AkkaLevel.InfoLevel, ClusterSetup.AkkaLogLevel(Shipped(("Logging:LogLevel:Akka", "Information"))));
        Assert.Equal(AkkaLevel.DebugLevel, ClusterSetup.AkkaLogLevel(Shipped(("Logging:LogLevel:Akka", "debug"))));
        Assert.Equal(AkkaLevel.ErrorLevel, ClusterSetup.AkkaLogLevel(Shipped(("Logging:LogLevel:Akka", "Critical"))));
        // No setting at all (a configuration of the operator's own): still quiet.
        Assert.Equal(AkkaLevel.WarningLevel, ClusterSetup.AkkaLogLevel(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void The_file_log_keeps_MusicRec_info_and_Akka_warnings_but_not_Akka_info()
    {
        var file = new StringWriter();
        var provider = new TextWriterLoggerProvider(file);
        using (var services = new ServiceCollection()
                   .AddLogging(b => b.AddConfiguration(Shipped().GetSection("Logging")).AddProvider(provider))
                   .BuildServiceProvider())
        {
            var factory = services.GetRequiredService<ILoggerFactory>();
            var akka = factory.CreateLogger("Akka.Actor.ActorSystem");
            akka.LogInformation("Cluster Node - Starting up...");
            akka.LogWarning("Association with remote system has failed");
            factory.CreateLogger("MusicRec.Serve").LogInformation("MusicRec node started");
            factory.CreateLogger("MusicRec.Demo").LogError(new InvalidOperationException("boom"), "the activity simulator stopped");
        }
        provider.Dispose();

        var lines = file.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.Contains("Starting up"));
        Assert.Contains(lines, l => l.Contains("warn: Akka.Actor.ActorSystem[0] Association with remote system has failed"));
        Assert.Contains(lines, l => l.Contains("info: MusicRec.Serve[0] MusicRec node started"));
        Assert.Contains(lines, l => l.Contains("fail: MusicRec.Demo[0] the activity simulator stopped"));
        Assert.Contains(lines, l => l.StartsWith("System.InvalidOperationException: boom", StringComparison.Ordinal));
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{3} info: MusicRec.Serve", lines.Single(l => l.Contains("MusicRec.Serve")));

        // Disposed after the host: a late entry during shutdown is dropped, not thrown at the actor system.
        var before = file.ToString();
        provider.CreateLogger("Akka.Actor.ActorSystem").LogWarning("late");
        Assert.Equal(before, file.ToString());
    }
}
