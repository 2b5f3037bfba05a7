using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MusicRec.Catalog.Sample;
using MusicRec.Host.Service;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Simulation;

namespace MusicRec.Host.Commands;

/// <summary>
/// `musicrec demo`: the main job on embedded defaults, for a newcomer. Sample catalogue (unless DIR has one),
/// ETL into the embedded SQLite store, then the service on the in-process bus with the web page and a background
/// activity simulator; runs until Ctrl-C. Every step is a real one (the same code as sample, etl and serve).
/// The terminal gets progress, a summary and the page's URL last; the ETL's details and the service's log go to
/// DIR/demo.log (written anew each run), and to the terminal as well with --verbose.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultDir = "./musicrec-demo";
    public const string LogFileName = "demo.log";

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = $"Working folder: sample catalogue, ETL output, journal (default {DefaultDir}).", DefaultValueFactory = _ => DefaultDir };
        var tracks = new Option<int>("--tracks") { Description = $"Tracks in the sample catalogue when DIR has none (default {SampleCatalog.DefaultTracks}).", DefaultValueFactory = _ => SampleCatalog.DefaultTracks };
        var web = new Option<string?>("--web") { Description = $"URL the web page listens on (env MUSICREC_WEB_URL; default {ServeOptions.DefaultWebUrl})." };
        var users = new Option<int>("--users") { Description = "Simulated listeners (default 8; 0 for none).", DefaultValueFactory = _ => 8 };
        var rate = new Option<double>("--rate") { Description = "Simulated events per second, all listeners together (default 2).", DefaultValueFactory = _ => 2 };
        var verbose = new Option<bool>("--verbose") { Description = $"Show the service's log here as it is written (it always goes to DIR/{LogFileName})." };
        var apiKey = new Option<string?>("--api-key") { Description = "API key for the admin endpoints and /dashboard (env MUSICREC_API_KEY); see `serve --help`." };
        var metadata = new Option<string?>("--metadata") { Description = "A real fma_metadata folder (tracks.csv, genres.csv, features.csv...) instead of the sample: features come from its features.csv, no audio needed." };
        var command = new Command("demo", "The main job on embedded defaults: sample catalogue, ETL, recommender on the in-process bus, activity simulator and the web page; runs until Ctrl-C.")
        {
            dir, tracks, web, users, rate, metadata, verbose, apiKey,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var root = Path.GetFullPath(parse.GetValue(dir)!);
            var count = parse.GetValue(tracks);
            if (count is < 1 or > SampleCatalog.MaxTracks)
                throw new CliException($"--tracks must be between 1 and {SampleCatalog.MaxTracks} (got {count})", 2);
            var simulatedUsers = parse.GetValue(users);
            var eventsPerSecond = parse.GetValue(rate);
            if (simulatedUsers < 0 || eventsPerSecond <= 0) throw new CliException("--users must be >= 0 and --rate > 0", 2);

            Directory.CreateDirectory(root);
            var logPath = Path.Combine(root, LogFileName);
            await using var logFile = new StreamWriter(logPath, append: false);

            // 1. Sample catalogue, unless the folder already has one (a finished sample writes tracks.csv last)
            // or --metadata names a real fma_metadata folder.
            var realMetadata = parse.GetValue(metadata) is { } m ? Path.GetFullPath(m) : null;
            if (realMetadata is not null)
            {
                if (!Directory.Exists(realMetadata)) throw new CliException($"--metadata {realMetadata}: folder not found");
                Console.WriteLine($"[1/3] catalogue: FMA metadata in {realMetadata} (features from its features.csv)");
            }
            else if (SampleCatalog.Exists(root))
                Console.WriteLine($"[1/3] sample catalogue: using the one in {root}");
            else
            {
                Console.WriteLine($"[1/3] sample catalogue: writing {count} tracks with synthesised audio to {root}");
                var shown = 0;
                var summary = await SampleCatalog.WriteAsync(root, count, SampleCatalog.DefaultSeed, new Progress<int>(done =>
                {
                    if (done * 4 / count > shown * 4 / count) { shown = done; Console.WriteLine($"      {done}/{count} clips"); }
                }), ct);
                Console.WriteLine($"      done in {summary.Elapsed.TotalSeconds:0.0} s");
            }

            // 2. ETL into the embedded store (resumes: a second demo run recomputes nothing).
            var outDir = Path.Combine(root, "out");
            var store = "sqlite:" + Path.Combine(outDir, "musicrec.db");
            Console.WriteLine($"[2/3] ETL: features, normalisation, final.csv and the store ({outDir})");
            var etl = await EtlCommand.RunAsync(
                realMetadata is null
                    ? new EtlCommand.EtlCommandArgs(SampleCatalog.MetadataDir(root), SampleCatalog.AudioDir(root), outDir, store,
                        Environment.ProcessorCount, Refit: false)
                    : new EtlCommand.EtlCommandArgs(realMetadata, null, outDir, store, Environment.ProcessorCount, Refit: false, Features: "auto"),
                // Warnings about the catalogue (the sample has no raw_genres.csv) are details for the log.
                Console.Out, stderr: logFile, redirected: true, environment: _ => null, ct, details: logFile);
            if (etl != 0) return etl;

            // 3. The service on the in-process bus, with the page and the simulator.
            Console.WriteLine($"[3/3] recommender on the in-process bus, web page and {simulatedUsers} simulated listeners");
            Console.WriteLine($"      service log: {logPath}{(parse.GetValue(verbose) ? "" : " (--verbose shows it here)")}");
            await logFile.FlushAsync(ct);
            var options = ServeOptions.Resolve(store, kafka: null, kafkaProperties: [], parse.GetValue(web), noWeb: false,
                adminUrl: null, clusterHost: null, clusterPort: 0, seedNodes: [], journal: null,
                environment: name => name is "MUSICREC_WEB_URL" or "MUSICREC_API_KEY" ? Environment.GetEnvironmentVariable(name) : null,
                apiKey: parse.GetValue(apiKey))
                with { LocalJournalPath = Path.Combine(root, "journal.db") };
            var exit = await MusicRecService.RunAsync(options, ct, (services, stopping) =>
            {
                if (simulatedUsers > 0) _ = SimulateAsync(services, simulatedUsers, eventsPerSecond, stopping);
                Console.WriteLine();
                Console.WriteLine($"The operator's dashboard is {options.WebUrl}/dashboard.");
                Console.WriteLine(simulatedUsers > 0
                    ? $"Ready. Open {options.WebUrl}/?user=sim0 to watch a simulated listener (or pick your own user id); Ctrl-C stops the demo."
                    : $"Ready. Open {options.WebUrl}/ and pick a user id; Ctrl-C stops the demo.");
                return Task.CompletedTask;
            }, new ServiceLogging(Console: parse.GetValue(verbose), File: logFile));
            Console.WriteLine($"demo stopped; its log is {logPath}");
            return exit;
        });
        return command;
    }

    /// <summary>Simulated listeners in the background until the service stops.</summary>
    private static async Task SimulateAsync(IServiceProvider services, int users, double rate, CancellationToken stopping)
    {
        var log = services.GetRequiredService<ILoggerFactory>().CreateLogger("MusicRec.Demo");
        try
        {
            var catalogue = await ActivitySimulator.LoadCatalogueAsync(services.GetRequiredService<ITrackStore>(), stopping);
            var publisher = services.GetRequiredService<IActivityPublisher>();
            // One long run: users keep their favourite genre, and event ids never repeat (the recommender drops repeats).
            var simulator = new ActivitySimulator(catalogue, new SimulatorOptions(users, EventsPerUser: 1_000_000, rate, Seed: 1));
            var result = await simulator.RunAsync(publisher, ct: stopping);
            log.LogInformation("simulator finished: {Sent} events sent, {Failed} failed", result.Sent, result.Failed);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // the service is stopping
        }
        catch (Exception e)
        {
            log.LogError(e, "the activity simulator stopped");
        }
    }
}
