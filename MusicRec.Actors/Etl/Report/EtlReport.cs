using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MusicRec.Catalog;
using MusicRec.Insights;
using MusicRec.IO;
using MusicRec.Recommendation;
using MusicRec.Stores;

namespace MusicRec.Etl.Report;

/// <summary>
/// <c>OUT/report.html</c>: one self-contained page about an ETL run (counts, rejects by reason, per-genre distributions of
/// the main features, the catalogue map). Everything is inline, and its content-security policy (default-src 'none',
/// scripts only by hash) lets the browser fetch nothing at all, so the file can be mailed or opened offline.
/// </summary>
public static class EtlReport
{
    public const string FileName = "report.html";
    private const int GenresShown = 15;

    /// <summary>The features whose per-genre distributions are drawn: name, unit, value.</summary>
    private static readonly (string Name, string Unit, Func<TrackDocument, double> Value)[] Features =
    [
        ("Spectral centroid (mean)", "", d => d.SpectralCentroid),
        ("Zero-crossing rate (mean)", "", d => d.ZeroCrossingRate),
        ("MFCC 1 (mean)", "", d => d.Mfccs.Length > 0 ? d.Mfccs[0] : double.NaN),
        ("MFCC 2 (mean)", "", d => d.Mfccs.Length > 1 ? d.Mfccs[1] : double.NaN),
    ];

    /// <summary>Writes the report next to final.csv (atomically) from the run's summary, rejects.csv and the store's documents.</summary>
    public static async Task<string> WriteAsync(string outDir, EtlSummary summary, ITrackStore store, DateTimeOffset generatedAt,
        CancellationToken ct = default)
    {
        var rejects = ReadRejects(Path.Combine(outDir, "rejects.csv"));
        var perGenre = new Dictionary<string, List<double>[]>(StringComparer.Ordinal);
        // One pass over the store: the distributions are collected while the index is built from the same documents.
        async IAsyncEnumerable<TrackDocument> Tap()
        {
            await foreach (var d in store.StreamAllAsync(ct).WithCancellation(ct))
            {
                var genre = string.IsNullOrWhiteSpace(d.Metadata.GenreTop) ? CatalogueMap.UnknownGenre : d.Metadata.GenreTop;
                if (!perGenre.TryGetValue(genre, out var columns))
                    perGenre[genre] = columns = Features.Select(_ => new List<double>()).ToArray();
                for (var f = 0; f < Features.Length; f++)
                    if (Features[f].Value(d) is var v && double.IsFinite(v)) columns[f].Add(v);
                yield return d;
            }
        }
        // Exact scan only: the report needs the index's projection, not its search graph.
        CatalogueMap? map;
        IReadOnlyList<TrackInfo> tracks = []; // the map's rows: titles and artists for its tooltips
        try
        {
            var index = await SimilarityIndex.BuildAsync(Tap(), new SimilarityIndexOptions { ExactScanBelow = int.MaxValue }, ct);
            map = CatalogueMap.From(index);
            tracks = index.Tracks;
        }
        catch (InvalidOperationException)
        {
            map = null; // no track with usable features: the report says so instead of drawing an empty map
        }

        var html = Render(summary, rejects, perGenre, map, tracks, outDir, store.Describe(), generatedAt);
        var path = Path.Combine(outDir, FileName);
        using (var file = new AtomicFile(path))
        {
            await file.Stream.WriteAsync(Encoding.UTF8.GetBytes(html), ct);
            file.Commit();
        }
        return path;
    }

    internal sealed record RejectGroup(string Reason, int Count, string Example);

    /// <summary>rejects.csv grouped by the reason's kind (its text before the first ':'), most frequent first.</summary>
    internal static IReadOnlyList<RejectGroup> ReadRejects(string path)
    {
        if (!File.Exists(path)) return [];
        using var csv = CsvRecordSource.Open(path);
        if (!csv.Read()) return [];
        var column = Array.IndexOf(csv.ReadAllFields(), "reason");
        if (column < 0) return [];
        var reasons = new List<string>();
        while (csv.Read()) reasons.Add(csv.Get(column));
        return reasons
            .GroupBy(r => (r.IndexOf(':') is var colon and > 0 ? r[..colon] : r).Trim() is { Length: > 0 } kind ? kind : "(no reason given)")
            .Select(g => new RejectGroup(g.Key, g.Count(), g.First().Length > 200 ? g.First()[..200] + "…" : g.First()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Reason, StringComparer.Ordinal).ToList();
    }

    private static string Render(EtlSummary s, IReadOnlyList<RejectGroup> rejects, Dictionary<string, List<double>[]> perGenre,
        CatalogueMap? map, IReadOnlyList<TrackInfo> tracks, string outDir, string store, DateTimeOffset generatedAt)
    {
        var e = HtmlEncoder.Default;
        var css = Resource("MusicRec.Etl.Report.report.css");
        var mapScript = Resource("MusicRec.Insights.catalogue-map.js");
        var initScript = InitScript;
        var b = new StringBuilder(1 << 16);
        b.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
         .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
         .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ")
         .Append(Hash(mapScript)).Append(' ').Append(Hash(initScript)).Append("\">\n")
         .Append("<title>MusicRec ETL report</title>\n<style>\n").Append(css).Append("</style>\n</head>\n<body>\n<header>\n")
         .Append("<h1>MusicRec ETL report</h1>\n<p class=\"muted\">")
         .Append(e.Encode($"{Path.GetFullPath(outDir)} · generated {generatedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC · store {store}"))
         .Append("</p>\n</header>\n<main>\n");

        b.Append("<section class=\"wide\" id=\"counts\">\n<h2>Counts</h2>\n<dl class=\"counts\">\n");
        void Count(string name, string value) => b.Append("<div><dt>").Append(e.Encode(name)).Append("</dt><dd>").Append(e.Encode(value)).Append("</dd></div>\n");
        Count("tracks in final.csv", N(s.Tracks));
        Count("rejected", N(s.Rejected));
        Count("of them undecodable audio", N(s.DecodeRejected));
        Count("features computed", N(s.Computed));
        Count("from checkpoint", N(s.FromCheckpoint));
        Count("documents in the store", N(s.StoreCount));
        Count("run time", $"{s.Elapsed.TotalSeconds:0.0} s");
        Count("files/s (features)", s.FilesPerSecond.ToString("0.0", CultureInfo.InvariantCulture));
        Count("scaler", s.Scaler.ToString().ToLowerInvariant());
        b.Append("</dl>\n</section>\n");

        b.Append("<section id=\"rejects\">\n<h2>Rejects by reason</h2>\n");
        if (rejects.Count == 0) b.Append("<p class=\"muted\">No track was rejected.</p>\n");
        else
        {
            b.Append("<table>\n<thead><tr><th>reason</th><th class=\"num\">tracks</th><th>example</th></tr></thead>\n<tbody>\n");
            foreach (var r in rejects)
                b.Append("<tr><td>").Append(e.Encode(r.Reason)).Append("</td><td class=\"num\">").Append(N(r.Count))
                 .Append("</td><td class=\"muted\">").Append(e.Encode(r.Example)).Append("</td></tr>\n");
            b.Append("</tbody>\n</table>\n<p class=\"muted\">Every rejected track is in rejects.csv with its line and full reason.</p>\n");
        }
        b.Append("</section>\n");

        var genres = perGenre.OrderByDescending(g => g.Value[0].Count + g.Value[1].Count).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        b.Append("<section id=\"genres\">\n<h2>Tracks per genre</h2>\n<table>\n<thead><tr><th>genre</th><th class=\"num\">tracks</th></tr></thead>\n<tbody>\n");
        foreach (var (genre, columns) in genres)
            b.Append("<tr><td>").Append(e.Encode(genre)).Append("</td><td class=\"num\">").Append(N(columns.Max(c => c.Count))).Append("</td></tr>\n");
        b.Append("</tbody>\n</table>\n</section>\n");

        b.Append("<section class=\"wide\" id=\"distributions\">\n<h2>Per-genre distributions of the main features</h2>\n")
         .Append("<p class=\"muted\">Box: middle half of the genre's tracks, line: median, whiskers: 5th to 95th percentile. Values as stored, i.e. normalised with scaler.json; the count of tracks on the right.</p>\n<div class=\"features\">\n");
        var shown = genres.Take(GenresShown).ToList();
        if (genres.Count > GenresShown)
        {
            var rest = Features.Select((_, f) => genres.Skip(GenresShown).SelectMany(g => g.Value[f]).ToList()).ToArray();
            shown.Add(new($"{genres.Count - GenresShown} other genres", rest));
        }
        for (var f = 0; f < Features.Length; f++)
            b.Append(BoxPlot(Features[f].Name, Features[f].Unit, shown.Select(g => (g.Key, g.Value[f])).ToList()));
        b.Append("</div>\n</section>\n");

        b.Append("<section class=\"wide\" id=\"map-section\">\n<h2>Catalogue map</h2>\n");
        if (map is null) b.Append("<p class=\"muted\">No track has features: nothing to draw.</p>\n");
        else
        {
            b.Append("<p class=\"muted\">").Append(e.Encode($"{N(map.Count)} tracks on the similarity index's first two principal components " +
                $"({100 * map.FirstShare:0}% and {100 * map.SecondShare:0}% of its variance), coloured by genre; hover for the track."))
             .Append("</p>\n<div class=\"map-wrap\"><canvas id=\"map\" class=\"map-canvas\" data-points=\"0\" role=\"img\" aria-label=\"Catalogue map\"></canvas>")
             .Append("<div id=\"tooltip\" class=\"tooltip\" hidden></div></div>\n<ul id=\"legend\" class=\"legend\"></ul>\n")
             .Append("<script type=\"application/json\" id=\"map-data\">").Append(MapJson(map, tracks)).Append("</script>\n")
             .Append("<script>").Append(mapScript).Append("</script>\n<script>").Append(initScript).Append("</script>\n");
        }
        b.Append("</section>\n</main>\n</body>\n</html>\n");
        return b.ToString();
    }

    private const string InitScript = """
        'use strict';
        (() => {
          const data = JSON.parse(document.getElementById('map-data').textContent);
          window.CatalogueMap(document.getElementById('map'), document.getElementById('tooltip'), data, {
            legend: document.getElementById('legend'),
            describe: (row) => ({ title: data.titles[row] || `track ${data.track_ids[row]}`,
              detail: [data.artists[row], data.genres[data.genre[row]], `#${data.track_ids[row]}`].filter(Boolean).join(' · ') }),
          });
        })();
        """;

    /// <summary>
    /// The map's columns plus titles and artists (the index's tracks, in the map's row order);
    /// System.Text.Json escapes &lt; so nothing can close the script element.
    /// </summary>
    private static string MapJson(CatalogueMap map, IReadOnlyList<TrackInfo> tracks)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            w.WriteStartObject();
            w.WriteNumber("count", map.Count);
            map.WriteColumns(w);
            w.WriteStartArray("titles");
            foreach (var t in tracks) w.WriteStringValue(t.Title);
            w.WriteEndArray();
            w.WriteStartArray("artists");
            foreach (var t in tracks) w.WriteStringValue(t.Artist);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>One horizontal box plot per genre as inline SVG (no script needed to read it).</summary>
    internal static string BoxPlot(string title, string unit, IReadOnlyList<(string Genre, List<double> Values)> rows)
    {
        var e = HtmlEncoder.Default;
        const int width = 640, label = 150, right = 56, row = 22, top = 8, axis = 26;
        var stats = rows.Where(r => r.Values.Count > 0).Select(r =>
        {
            var sorted = r.Values.Order().ToArray();
            return (r.Genre, Count: sorted.Length, P5: Quantile(sorted, .05), Q1: Quantile(sorted, .25), Median: Quantile(sorted, .5),
                Q3: Quantile(sorted, .75), P95: Quantile(sorted, .95));
        }).ToList();
        var b = new StringBuilder();
        b.Append("<figure class=\"feature\"><h3>").Append(e.Encode(unit.Length > 0 ? $"{title} ({unit})" : title)).Append("</h3>\n");
        if (stats.Count == 0) return b.Append("<p class=\"muted\">no values</p></figure>\n").ToString();
        double lo = stats.Min(x => x.P5), hi = stats.Max(x => x.P95);
        if (!(hi > lo)) { lo -= 1; hi += 1; }
        var height = top + stats.Count * row + axis;
        double X(double v) => label + (v - lo) / (hi - lo) * (width - label - right);
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        b.Append($"<svg class=\"box\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{e.Encode(title)} by genre\">\n");
        for (var i = 0; i < stats.Count; i++)
        {
            var x = stats[i];
            var y = top + i * row + row / 2.0;
            b.Append($"<text x=\"{label - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{e.Encode(x.Genre.Length > 22 ? x.Genre[..21] + "…" : x.Genre)}</text>")
             .Append($"<line class=\"whisker\" x1=\"{F(X(x.P5))}\" x2=\"{F(X(x.P95))}\" y1=\"{F(y)}\" y2=\"{F(y)}\"/>")
             .Append($"<rect class=\"iqr\" x=\"{F(X(x.Q1))}\" y=\"{F(y - 7)}\" width=\"{F(Math.Max(1, X(x.Q3) - X(x.Q1)))}\" height=\"14\" rx=\"2\"/>")
             .Append($"<line class=\"median\" x1=\"{F(X(x.Median))}\" x2=\"{F(X(x.Median))}\" y1=\"{F(y - 7)}\" y2=\"{F(y + 7)}\"/>")
             .Append($"<text class=\"tick\" x=\"{width - 4}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{x.Count}</text>")
             .Append($"<title>{e.Encode($"{x.Genre}: median {Num(x.Median)}, middle half {Num(x.Q1)} to {Num(x.Q3)}, {x.Count} tracks")}</title>\n");
        }
        var axisY = top + stats.Count * row + 4;
        b.Append($"<line class=\"axis\" x1=\"{label}\" x2=\"{width - right}\" y1=\"{axisY}\" y2=\"{axisY}\"/>");
        for (var t = 0; t <= 4; t++)
        {
            var v = lo + (hi - lo) * t / 4;
            b.Append($"<text class=\"tick\" x=\"{F(X(v))}\" y=\"{axisY + 15}\" text-anchor=\"middle\">{e.Encode(Num(v))}</text>");
        }
        return b.Append("\n</svg></figure>\n").ToString();
    }

    private static double Quantile(double[] sorted, double p)
    {
        var position = p * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(sorted.Length - 1, below + 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    private static string Num(double v) => NumText(v) is "-0" ? "0" : NumText(v);

    private static string NumText(double v) => Math.Abs(v) switch
    {
        >= 1000 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.#", CultureInfo.InvariantCulture),
        >= 0.1 => v.ToString("0.##", CultureInfo.InvariantCulture),
        _ => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Hash(string script) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'";

    private static string Resource(string name)
    {
        using var stream = typeof(EtlReport).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"MusicRec.Actors was built without {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
