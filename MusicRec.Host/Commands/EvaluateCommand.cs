using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Stores;
using MusicRec.Streaming;
using Spectre.Console;

namespace MusicRec.Host.Commands;

/// <summary>
/// <c>musicrec evaluate --events FILE [--store URI] [--k 3,10] [--json FILE] [--skips seen|negative]</c>: offline
/// replay of a <c>user_activity</c> JSON-lines log (docs/recommender.md), HR@k, NDCG@k, coverage and novelty of each
/// source, the blend and two baselines.
/// </summary>
internal static class EvaluateCommand
{
    private const int ReasonsShown = 5;

    public static Command Create()
    {
        var events = new Option<string>("--events") { Description = "user_activity JSON lines (what kcat -C -t user_activity prints, or simulate --out writes)", Required = true };
        var store = new Option<string?>("--store")
        {
            Description = "catalogue store URI (sqlite:PATH or mongodb://…) for genres, artists and audio features; without it only the log's track ids are known and the audio source is left out",
        };
        var k = new Option<string>("--k") { Description = "cut-offs, comma-separated", DefaultValueFactory = _ => "3,10" };
        var json = new Option<string?>("--json") { Description = "also write the figures as JSON to this file" };
        var skips = new Option<string>("--skips") { Description = "how a skip counts: seen (excluded only) or negative (also pushes its neighbours down)", DefaultValueFactory = _ => "seen" };
        var seed = new Option<int>("--seed") { Description = "seed of the random baseline and the exploration share", DefaultValueFactory = _ => 1 };
        var command = new Command("evaluate", "Replays an activity log offline and reports HR@k, NDCG@k, coverage and novelty per recommender.")
        {
            events, store, k, json, skips, seed,
        };
        command.SetHandler((parse, ct) => RunAsync(parse.GetValue(events)!, parse.GetValue(store), parse.GetValue(k)!, parse.GetValue(json),
            parse.GetValue(skips)!, parse.GetValue(seed), Console.Out, Console.Error, ct));
        return command;
    }

    internal static async Task<int> RunAsync(string eventsPath, string? storeOption, string kOption, string? jsonPath, string skipsOption,
        int seed, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var ks = ParseKs(kOption);
        if (!SkipPolicies.TryParse(skipsOption, out var skipPolicy))
            throw new CliException($"--skips must be seen or negative, got '{skipsOption}'.");
        if (!File.Exists(eventsPath)) throw new CliException($"no such events file: {eventsPath}");

        var (log, setAside) = await ReadLogAsync(eventsPath, ct);
        if (setAside.Count > 0)
        {
            await stderr.WriteLineAsync($"musicrec: set aside {setAside.Count} of {log.Count + setAside.Count} lines of {eventsPath}:");
            foreach (var reason in setAside.Take(ReasonsShown)) await stderr.WriteLineAsync($"  {reason}");
        }
        if (log.Count == 0) throw new CliException($"{eventsPath} holds no valid activity event.");

        TrackCatalog catalog;
        SimilarityIndex? index = null;
        if (storeOption is not null)
        {
            try
            {
                await using var trackStore = TrackStoreFactory.Open(StoreUri.Resolve(storeOption, StoreUri.DefaultSqlite, null), createIfMissing: false);
                index = await SimilarityIndex.BuildAsync(trackStore.StreamAllAsync(ct), ct: ct);
            }
            catch (StoreException e)
            {
                throw new CliException(e.Message);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new CliException($"the catalogue store {storeOption} cannot be indexed: {e.Message}");
            }
            catalog = new TrackCatalog(index.Tracks);
        }
        else
            catalog = TrackCatalog.FromIds(log.Select(e => e.TrackId));

        var reading = new TasteReading { Skips = skipPolicy };
        var report = OfflineEvaluation.Run(log, catalog, index, new EvaluationOptions { Ks = ks, Seed = seed, Reading = reading });
        Print(report, setAside.Count, stdout);
        if (jsonPath is not null)
        {
            try
            {
                await File.WriteAllTextAsync(jsonPath, ToJson(report, setAside.Count, skipsOption), ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot write {jsonPath}: {e.Message}");
            }
        }
        return 0;
    }

    private static int[] ParseKs(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var ks = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1 || v > 1000)
                throw new CliException($"--k takes whole numbers from 1 to 1000, comma-separated; got '{text}'.");
            ks.Add(v);
        }
        if (ks.Count == 0) throw new CliException("--k needs at least one cut-off.");
        return [.. ks.Distinct().Order()];
    }

    /// <summary>Every valid event of the log; each other line is set aside with its number and reason.</summary>
    internal static async Task<(List<ActivityEvent> Events, List<string> SetAside)> ReadLogAsync(string path, CancellationToken ct)
    {
        var events = new List<ActivityEvent>();
        var setAside = new List<string>();
        var number = 0;
        using var reader = new StreamReader(path);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? reason;
            ActivityEvent? e = null;
            try
            {
                e = StreamingJson.Deserialize<ActivityEvent>(line);
                reason = e is null ? "not an object"
                    : string.IsNullOrEmpty(e.UserId) ? "no user_id"
                    : e.TrackId <= 0 ? "no positive track_id"
                    : Actions.Canonical(e.Action ?? "") is null ? $"unknown action '{e.Action}'"
                    : e.Ts == default ? "no ts"
                    : null;
            }
            catch (JsonException ex)
            {
                reason = $"not valid JSON ({ex.Message.Split('.')[0]})";
            }
            if (reason is null) events.Add(e! with { Action = Actions.Canonical(e!.Action ?? "")! });
            else setAside.Add($"line {number}: {reason}");
        }
        return (events, setAside);
    }

    private static void Print(EvaluationReport report, int setAside, TextWriter stdout)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout), Interactive = InteractionSupport.No });
        console.Profile.Width = Math.Max(console.Profile.Width, 120); // the table's ten columns; redirected output reports 80
        console.WriteLine($"{report.Events} events ({setAside} set aside), {report.Listeners} listeners, {report.Targets} discoveries evaluated, " +
                          $"{report.CatalogueTracks} catalogue tracks, in {report.Elapsed.TotalSeconds:0.0} s");
        var table = new Table().Title("offline evaluation").AddColumn("recommender");
        foreach (var k in report.Ks) table.AddColumn(new TableColumn($"HR@{k}").RightAligned());
        foreach (var k in report.Ks) table.AddColumn(new TableColumn($"NDCG@{k}").RightAligned());
        table.AddColumn(new TableColumn($"coverage@{report.Ks[^1]}").RightAligned());
        table.AddColumn(new TableColumn("novelty (mean pop. rank)").RightAligned());
        foreach (var row in report.Rows)
        {
            var cells = new List<string> { row.Recommender };
            cells.AddRange(row.HitRate.Select(F));
            cells.AddRange(row.Ndcg.Select(F));
            cells.Add(row.Coverage[^1].ToString("P1", CultureInfo.InvariantCulture));
            cells.Add(row.Novelty.ToString("0.0", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
    }

    private static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    internal static string ToJson(EvaluationReport report, int setAside, string skips)
    {
        string Key(int i) => report.Ks[i].ToString(CultureInfo.InvariantCulture);
        var rows = report.Rows.ToDictionary(r => r.Recommender, r => new Dictionary<string, object>
        {
            ["hr"] = r.HitRate.Select((v, i) => (Key(i), v)).ToDictionary(x => x.Item1, x => x.v),
            ["ndcg"] = r.Ndcg.Select((v, i) => (Key(i), v)).ToDictionary(x => x.Item1, x => x.v),
            ["coverage"] = r.Coverage.Select((v, i) => (Key(i), v)).ToDictionary(x => x.Item1, x => x.v),
            ["novelty"] = r.Novelty,
        });
        return JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["events"] = report.Events,
            ["set_aside"] = setAside,
            ["listeners"] = report.Listeners,
            ["targets"] = report.Targets,
            ["catalogue_tracks"] = report.CatalogueTracks,
            ["k"] = report.Ks,
            ["skips"] = skips,
            ["elapsed_seconds"] = Math.Round(report.Elapsed.TotalSeconds, 3),
            ["recommenders"] = rows,
        }, new JsonSerializerOptions { WriteIndented = true });
    }
}
