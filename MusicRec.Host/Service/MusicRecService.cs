using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting;
using MusicRec.Host.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Host.Service.Dashboard;
using MusicRec.Web.Dashboard;
using MusicRec.Web.Security;
using OpenTelemetry.Metrics;

namespace MusicRec.Host.Service;

/// <summary>
/// `musicrec serve`: the generic host with Akka.Hosting. With the web page on (or --admin-url) it is a
/// WebApplication, so the page, /healthz, /readyz, /metrics and /api/admin share one Kestrel listener;
/// with --no-web and no admin URL it is a plain Host with no listener at all.
/// </summary>
internal static class MusicRecService
{
    /// <param name="afterStart">Runs once the host has started (the demo starts its activity simulator here).</param>
    /// <param name="logging">Where the log goes; null for the console (serve: a service's log belongs to its supervisor).</param>
    public static async Task<int> RunAsync(ServeOptions options, CancellationToken ct,
        Func<IServiceProvider, CancellationToken, Task>? afterStart = null, ServiceLogging? logging = null)
    {
        logging ??= ServiceLogging.ConsoleOnly;
        // Disposed after the host: entries the actor system logs late are dropped, not written to a closed file.
        using var fileLog = logging.File is null ? null : new TextWriterLoggerProvider(logging.File);
        var listenUrl = options.WebUrl ?? options.AdminUrl;
        await using var parts = await ServiceParts.OpenAsync(options, ct);
        IHost host;
        if (listenUrl is not null)
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls(listenUrl);
            Configure(builder, options, parts, logging.Console, fileLog);
            var app = builder.Build();
            MapEndpoints(app, options);
            host = app;
        }
        else
        {
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
                new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            Configure(builder, options, parts, logging.Console, fileLog);
            host = builder.Build();
        }

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        // System.CommandLine cancels ct on Ctrl-C/SIGTERM; stopping the host runs CoordinatedShutdown.
        await using var stopOnCancel = ct.Register(() => lifetime.StopApplication());
        await host.StartAsync(CancellationToken.None);
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MusicRec.Serve");
        var system = host.Services.GetRequiredService<ActorSystem>();
        log.LogInformation("MusicRec node {Address} started: catalogue {Store} ({Tracks} tracks), bus {Bus}, journal {Journal}, HTTP {Url}",
            Cluster.Get(system).SelfAddress, parts.Store.Describe(), parts.Index.Count, parts.Transport.Describe(),
            parts.Persistence.Describe(), listenUrl ?? "(none)");
        // The binary defaults to workstation GC (the ETL's memory); a busy service wants DOTNET_gcServer=1 (deploy/).
        log.LogInformation("GC: {Mode}{Hint}", System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
            System.Runtime.GCSettings.IsServerGC ? "" : " (set DOTNET_gcServer=1 for a busy service: fewer, shorter collections)");
        log.LogInformation("JIT: {Mode}", TieredCompilation()
            ? "tiered, with dynamic PGO"
            : "each method compiled once (set DOTNET_TieredCompilation=1 for a busy service: dynamic PGO, less CPU per event)");
        if (listenUrl is not null) log.LogInformation("{Access}", AccessNote(options, listenUrl));
        if (options.WebUrl is not null && logging.Console) Console.WriteLine($"MusicRec web page: {options.WebUrl}");
        if (afterStart is not null) await afterStart(host.Services, lifetime.ApplicationStopping);

        await host.WaitForShutdownAsync(CancellationToken.None);
        var reason = CoordinatedShutdown.Get(system).ShutdownReason;
        host.Dispose();
        if (reason is CoordinatedShutdown.ClusterDowningReason)
            throw new CliException("this node was downed by the cluster (split-brain resolver); restart it to rejoin.", 3);
        return 0;
    }

    private static void Configure(IHostApplicationBuilder builder, ServeOptions options, ServiceParts parts,
        bool logToConsole, ILoggerProvider? fileLog)
    {
        builder.Configuration.AddEnvironmentVariables("MUSICREC_CONFIG__");
        // Levels come from appsettings.json (Akka's internals at Warning) and Logging__LogLevel__… variables.
        if (!logToConsole)
            builder.Logging.ClearProviders();
        // One line per entry with UTC time, unless configuration picks another console formatter
        // (Logging__Console__FormatterName=json gives structured JSON lines with every template argument).
        else if (builder.Configuration["Logging:Console:FormatterName"] is null)
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        if (fileLog is not null) builder.Logging.AddProvider(fileLog);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));

        builder.Services.AddSingleton(options);
        if (options.ApiKey is not null) builder.Services.AddSingleton(options.ApiKey);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<ServiceMetrics>();
        builder.Services.AddSingleton<ClusterStatusSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterStatusSampler>());
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(ServiceMetrics.MeterName).AddPrometheusExporter());

        builder.Services.AddHealthChecks()
            .AddCheck<ActorSystemLivenessCheck>("actor-system", tags: [HealthTags.Live])
            .AddCheck<ClusterUpCheck>("cluster-up", tags: [HealthTags.Ready])
            .AddCheck<ShardRegionCheck>("recommender-region", tags: [HealthTags.Ready]);

        ServiceComposition.AddParts(builder, options, parts);
        if (options.WebUrl is not null || options.AdminUrl is not null) AddDashboard(builder);
    }

    /// <summary>The dashboard on whichever listener the node has; it samples the pipeline every Dashboard:SampleInterval (2 s).</summary>
    private static void AddDashboard(IHostApplicationBuilder builder)
    {
        var interval = builder.Configuration.GetValue("Dashboard:SampleInterval", TimeSpan.FromSeconds(2));
        if (interval < TimeSpan.FromMilliseconds(100) || interval > TimeSpan.FromMinutes(1))
            throw new CliException($"Dashboard:SampleInterval {interval} must be between 100 ms and 1 minute.");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new MetricHistory(interval, TimeSpan.FromHours(1)));
        builder.Services.AddSingleton<IDashboardData, NodeDashboard>();
        builder.Services.AddHostedService<DashboardSampler>();
        builder.Services.AddMusicRecDashboard();
    }

    /// <summary>
    /// Whether the JIT tiers: DOTNET_TieredCompilation (or its COMPlus_ spelling) when set, as the runtime reads it,
    /// else the runtimeconfig's switch (the binary's is off), else the runtime's default (on).
    /// </summary>
    internal static bool TieredCompilation(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if ((environment("DOTNET_TieredCompilation") ?? environment("COMPlus_TieredCompilation")) is { } value)
            return value != "0";
        return !AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out var on) || on;
    }

    /// <summary>What the operator is told at start about who can reach the admin surface (never the key itself).</summary>
    internal static string AccessNote(ServeOptions options, string listenUrl) => options.ApiKey is null
        ? $"No API key set: listening on loopback only ({listenUrl}); the admin endpoints, /dashboard and activity writes are open to this machine. Give --api-key to listen beyond it."
        : $"API key set: the admin endpoints, /dashboard and activity writes from outside the page need the {MusicRec.Web.Security.ApiKey.Header} header (listening on {listenUrl}).";

    private static void MapEndpoints(WebApplication app, ServeOptions options)
    {
        app.UseMusicRecApiKey();
        ServiceComposition.MapParts(app, options);
        if (!ServiceComposition.WebMapsHealth(options))
        {
            app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Live) });
            app.MapHealthChecks("/readyz", new HealthCheckOptions
            {
                Predicate = c => c.Tags.Contains(HealthTags.Ready),
                ResponseWriter = HealthResponse.WriteAsync,
            });
        }
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapMusicRecAdmin();
        app.MapMusicRecDashboard();
    }
}

/// <summary>Where the service's log goes: the console, a text writer (the demo's log file), or both.</summary>
internal sealed record ServiceLogging(bool Console, TextWriter? File = null)
{
    public static readonly ServiceLogging ConsoleOnly = new(Console: true);
}
