using System.CommandLine;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;
using MusicRec.Dsp;
using MusicRec.Etl;
using MusicRec.Stores;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MusicRec.Host.Commands;

/// <summary>
/// <c>musicrec etl --metadata DIR [--audio DIR] --out DIR [--features audio|csv|auto] [--mix-sources] [--store URI]
/// [--workers N] [--refit]</c> (docs/interface.md):
/// the ETL on supervised actors, with live progress and a summary table.
/// <para>
/// Exit codes: 0 when the run finished and the store holds every track written, even when every track was
/// rejected (the run did what it says: each track is accounted for in final.csv or rejects.csv; a warning on
/// stderr says so, final.csv has only its header and no scaler.json is written, so a later run with audio fits
/// one instead of reusing an empty one). 1 with one stderr line for a missing required file or column, an
/// unreadable scaler.json (hint: --refit), a store that keeps failing, or a read-back that misses tracks.
/// Resuming: OUT/.work/features.jsonl keeps every finished track's raw features; delete OUT/.work to start over.
/// </para>
/// </summary>
internal static class EtlCommand
{
    public static Command Create()
    {
        var metadata = new Option<string>("--metadata") { Description = "Folder with the FMA metadata CSVs (tracks.csv, genres.csv, ...).", Required = true };
        var audio = new Option<string?>("--audio") { Description = "Folder with the audio clips in the FMA layout (XXX/XXXXXX.mp3|.wav|.ogg); required unless --features csv." };
        var features = new Option<string>("--features")
        {
            Description = "Where features come from: audio, csv (FMA's METADATA/features.csv) or auto (audio when the clip is there, else features.csv).",
            DefaultValueFactory = _ => "auto",
        };
        var mix = new Option<bool>("--mix-sources") { Description = "Allow one run to take features from both audio and features.csv (their values differ; see docs/feature-sources.md)." };
        var output = new Option<string>("--out") { Description = "Output folder: final.csv, rejects.csv, scaler.json (and the embedded store by default).", Required = true };
        var store = new Option<string?>("--store")
        {
            Description = $"Store URI: sqlite:PATH or mongodb://HOST:PORT/MYDB?collection=MTDATA (default: ${StoreUri.StoreVariable}, then sqlite:OUT/musicrec.db).",
        };
        var workers = new Option<int>("--workers")
        {
            Description = "DSP workers (default: the number of cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var refit = new Option<bool>("--refit") { Description = "Fit the normalisation again over the whole catalogue instead of reusing OUT/scaler.json." };
        var command = new Command("etl", "Extract, merge, compute features, normalise and store the catalogue (resumable).")
        {
            metadata, audio, output, store, workers, refit, features, mix,
        };
        command.SetHandler((parse, ct) => RunAsync(new EtlCommandArgs(
            parse.GetValue(metadata)!, parse.GetValue(audio), parse.GetValue(output)!, parse.GetValue(store),
            parse.GetValue(workers), parse.GetValue(refit), parse.GetValue(features)!, parse.GetValue(mix)),
            Console.Out, Console.Error, Console.IsOutputRedirected, null, ct));
        return command;
    }

    internal sealed record EtlCommandArgs(string Metadata, string? Audio, string Out, string? Store, int Workers, bool Refit,
        string Features = "auto", bool MixSources = false);

    /// <summary>The command's body; user errors become <see cref="CliException"/> (one stderr line, exit 1).</summary>
    /// <param name="details">
    /// Where the summary table and the store's sample documents go; null for <paramref name="stdout"/>. The demo
    /// sends them to its log file and gets one summary line on <paramref name="stdout"/> instead.
    /// </param>
    internal static async Task<int> RunAsync(EtlCommandArgs args, TextWriter stdout, TextWriter stderr, bool redirected,
        Func<string, string?>? environment, CancellationToken ct, TextWriter? details = null)
    {
        if (!Directory.Exists(args.Metadata)) throw new CliException($"--metadata {args.Metadata}: folder not found");
        if (args.Workers < 1) throw new CliException($"--workers must be at least 1 (got {args.Workers})");
        if (File.Exists(args.Out)) throw new CliException($"--out {args.Out} is a file; give a folder");
        FeatureSourceMode mode;
        try
        {
            mode = FeatureSources.ParseMode(args.Features);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        var featuresCsv = Path.Combine(args.Metadata, FmaFeaturesCsvReader.FileName);
        var hasCsv = File.Exists(featuresCsv);
        if (mode == FeatureSourceMode.Csv && !hasCsv)
            throw new CliException($"--features csv: {featuresCsv} not found (FMA's fma_metadata.zip has it)");
        if (mode != FeatureSourceMode.Csv && args.Audio is null && !(mode == FeatureSourceMode.Auto && hasCsv))
            throw new CliException(mode == FeatureSourceMode.Audio
                ? "--features audio needs --audio DIR"
                : $"give --audio DIR, or put FMA's features.csv in {args.Metadata} to take the features from it");
        // auto without features.csv is audio: the same rejects ("no audio file", from tracks.csv) as before features.csv existed.
        if (mode == FeatureSourceMode.Auto && !hasCsv) mode = FeatureSourceMode.Audio;
        var audioDir = args.Audio ?? Path.Combine(args.Out, ".no-audio"); // never created: every track looks up no clip
        if (mode == FeatureSourceMode.Audio && !Directory.Exists(audioDir))
            await stderr.WriteLineAsync($"musicrec: warning: --audio {args.Audio} does not exist; every track will be rejected with 'no audio file'");
        if (mode == FeatureSourceMode.Auto && args.Audio is not null && !Directory.Exists(args.Audio))
            await stderr.WriteLineAsync($"musicrec: warning: --audio {args.Audio} does not exist; every track's features come from {featuresCsv}");

        StoreUri uri;
        try
        {
            uri = StoreUri.Resolve(args.Store, StoreUri.DefaultForEtl(args.Out), environment);
            Directory.CreateDirectory(args.Out);
        }
        catch (StoreException e)
        {
            throw new CliException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create --out {args.Out}: {e.Message}");
        }

        var console = redirected ? PlainConsole(stdout) : AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout), Ansi = AnsiSupport.Detect, Interactive = InteractionSupport.Detect,
        });
        EtlProgress? latest = null;
        var options = new EtlOptions
        {
            AudioDir = audioDir, OutDir = args.Out, Workers = args.Workers, Refit = args.Refit,
            Features = mode, FeaturesCsvPath = featuresCsv, MixSources = args.MixSources,
            Progress = p => Volatile.Write(ref latest, p),
        };

        ITrackStore store;
        try
        {
            store = TrackStoreFactory.Open(uri);
        }
        catch (StoreException e)
        {
            throw new CliException(e.Message);
        }
        await using var _ = store;
        var ports = new EtlPorts(
            new FmaCatalogReader(args.Metadata, audioDir, w => stderr.WriteLine($"musicrec: warning: {w}"), mode),
            () => new AudioDecoder(), () => new SpectralFeatureExtractor(), store,
            p => new FinalCsvSink(p), p => new RejectsCsvSink(p));

        using var system = ActorSystem.Create("musicrec-etl", EtlRun.WorkerDispatcherConfig(args.Workers).WithFallback(QuietAkka));
        EtlSummary summary;
        try
        {
            var run = EtlRun.RunAsync(system, options, ports, ct);
            if (redirected) await ReportPlainAsync(run, () => Volatile.Read(ref latest), stdout);
            else await ReportLiveAsync(run, () => Volatile.Read(ref latest), console);
            summary = await run;
        }
        catch (EtlFailedException e)
        {
            throw new CliException(e.Message);
        }
        finally
        {
            await system.Terminate();
        }

        if (details is null) console.Write(SummaryTable(summary, args.Out));
        else
        {
            PlainConsole(details).Write(SummaryTable(summary, args.Out));
            await stdout.WriteLineAsync($"      {summary.Tracks} tracks in final.csv, {summary.Rejected} in rejects.csv, " +
                                        $"{summary.StoreCount} in the store, {summary.Elapsed.TotalSeconds:0.0} s");
        }
        await (details ?? stdout).WriteLineAsync(await StoreSummary.DescribeAsync(store, 3, ct));
        try
        {
            var report = await MusicRec.Etl.Report.EtlReport.WriteAsync(args.Out, summary, store, DateTimeOffset.UtcNow, ct);
            await (details ?? stdout).WriteLineAsync($"report: {Path.GetFullPath(report)} (open it in a browser; it needs no network)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StoreException)
        {
            // The run's data is stored and final.csv written; a report that could not be written is not worth failing it.
            await stderr.WriteLineAsync($"musicrec: warning: could not write {Path.Combine(args.Out, "report.html")}: {e.Message}");
        }
        if (summary.StoreCount != summary.Tracks)
            await stderr.WriteLineAsync($"musicrec: note: the store holds {summary.StoreCount} documents, {summary.Tracks} of them from this catalogue (all {summary.Tracks} read back)");
        if (summary.Tracks == 0)
            await stderr.WriteLineAsync($"musicrec: warning: no track had usable audio or features.csv row: all {summary.Rejected} are in {Path.Combine(args.Out, "rejects.csv")}; final.csv has only its header and no scaler was fitted");
        return 0;
    }

    private static IAnsiConsole PlainConsole(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No,
    });

    // Worker restarts are expected (each bad file is one) and reported in rejects.csv, not as log noise.
    private static readonly Config QuietAkka = ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        """);

    private static async Task ReportPlainAsync(Task run, Func<EtlProgress?> latest, TextWriter stdout)
    {
        // Redirected output (CI, a log file): one plain line every few seconds instead of a live display.
        while (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(3))) != run)
            if (latest() is { } p) await stdout.WriteLineAsync(Line(p));
        if (latest() is { } last && run.IsCompletedSuccessfully) await stdout.WriteLineAsync(Line(last));
    }

    private static async Task ReportLiveAsync(Task run, Func<EtlProgress?> latest, IAnsiConsole console) =>
        await console.Live(new Markup("[grey]starting ETL...[/]")).AutoClear(false).StartAsync(async ctx =>
        {
            do
            {
                if (latest() is { } p) ctx.UpdateTarget(new Markup(Markup.Escape(Line(p))));
                ctx.Refresh();
            } while (await Task.WhenAny(run, Task.Delay(250)) != run);
            if (latest() is { } last) ctx.UpdateTarget(new Markup(Markup.Escape(Line(last))));
            ctx.Refresh();
        });

    internal static string Line(EtlProgress p)
    {
        var total = p.ToCompute is { } t ? t.ToString(CultureInfo.InvariantCulture) : "?";
        var eta = p.Eta is { } e ? $"{e.TotalSeconds:0} s" : "--";
        return p.Phase switch
        {
            EtlPhase.Features => $"[etl] features: {p.FilesDone}/{total} files, {p.FilesPerSecond:0.0} files/s, ETA {eta}, " +
                                 $"{p.FromCheckpoint} from checkpoint, {p.FromFeaturesCsv} from features.csv, {p.Rejected} rejects, {p.TracksSeen} tracks read",
            EtlPhase.Write => $"[etl] writing: {p.Written} tracks stored, {p.Rejected} rejects",
            _ => $"[etl] {p.Phase.ToString().ToLowerInvariant()}: {p.FilesDone} files computed, {p.FromCheckpoint} from checkpoint, {p.Rejected} rejects, {p.Written} stored",
        };
    }

    private static IRenderable SummaryTable(EtlSummary s, string outDir)
    {
        var table = new Table().Title("ETL summary").AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        void Row(string what, string value) => table.AddRow(Markup.Escape(what), Markup.Escape(value));
        Row("tracks (final.csv rows)", s.Tracks.ToString(CultureInfo.InvariantCulture));
        Row("features from audio", s.FromAudio.ToString(CultureInfo.InvariantCulture));
        Row("features from features.csv", s.FromFeaturesCsv.ToString(CultureInfo.InvariantCulture));
        Row("features computed this run", s.Computed.ToString(CultureInfo.InvariantCulture));
        Row("reused from checkpoint", s.FromCheckpoint.ToString(CultureInfo.InvariantCulture));
        Row("rejects (rejects.csv rows)", s.Rejected.ToString(CultureInfo.InvariantCulture));
        Row("seconds", s.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        Row("files/s (feature phase)", s.FilesPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
        Row("scaler", s.Scaler switch
        {
            ScalerSource.Fitted => $"fitted on {s.ScalerFeatureSource} features, saved to scaler.json",
            ScalerSource.Loaded => $"loaded from scaler.json ({s.ScalerFeatureSource} features)",
            _ => "none (no good track)",
        });
        Row("store", s.StoreDescription);
        Row("store count", s.StoreCount.ToString(CultureInfo.InvariantCulture));
        Row("output", Path.GetFullPath(outDir));
        return table;
    }
}
