using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MusicRec.Etl;
using MusicRec.Etl.Report;
using MusicRec.Stores;
using MusicRec.Tests.Stores;

namespace MusicRec.Tests.Etl.Report;

public partial class EtlReportTests
{
    private static EtlSummary Summary(int tracks, int rejected) => new(tracks, tracks, 0, rejected, 1, TimeSpan.FromSeconds(3),
        TimeSpan.FromSeconds(2), ScalerSource.Fitted, tracks, tracks, 4, [], "memory");

    private static async Task<string> WriteAsync(string dir, int tracks, string rejects)
    {
        File.WriteAllText(Path.Combine(dir, "rejects.csv"), rejects);
        await using var store = new InMemoryTrackStore(TestDocuments.Range(1, tracks));
        var path = await EtlReport.WriteAsync(dir, Summary(tracks, 3), store, new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        Assert.Equal(Path.Combine(dir, EtlReport.FileName), path);
        return File.ReadAllText(path);
    }

    [Fact]
    public async Task Holds_counts_rejects_by_reason_distributions_and_a_map_with_a_point_per_track()
    {
        using var dir = new TempFolder();
        var html = await WriteAsync(dir.Path, 40, "source,line,track_id,reason\n" +
            "tracks.csv,5,9,no audio file\n" +
            "audio,,11,\"decode failed: truncated frame\"\n" +
            "audio,,12,\"decode failed: odd header\"\n" +
            "audio,,13,<b>odd</b> header\n");

        Assert.Contains("<h2>Counts</h2>", html);
        Assert.Contains("<dt>tracks in final.csv</dt><dd>40</dd>", html);
        // Rejects grouped by the reason's kind, most frequent first, markup shown as text.
        var decode = html.IndexOf("<td>decode failed</td><td class=\"num\">2</td>", StringComparison.Ordinal);
        var missing = html.IndexOf("<td>no audio file</td><td class=\"num\">1</td>", StringComparison.Ordinal);
        Assert.True(decode > 0 && missing > decode, "rejects by reason");
        Assert.DoesNotContain("<b>odd</b>", html);
        Assert.Contains("<td>&lt;b&gt;odd&lt;/b&gt; header</td>", html);
        // Four box plots, a row per genre (TestDocuments: Rock, and no genre for every 7th track).
        Assert.Equal(4, Regex.Matches(html, "<svg class=\"box\"").Count);
        Assert.Equal(4, Regex.Matches(html, "<title>Rock: median").Count);
        var count = Regex.Match(html, "\"count\":(\\d+)");
        Assert.Equal("40", count.Groups[1].Value);
    }

    [Fact]
    public async Task Loads_nothing_from_the_network_and_its_policy_allows_only_its_own_inline_scripts()
    {
        using var dir = new TempFolder();
        var html = await WriteAsync(dir.Path, 12, "source,line,track_id,reason\n");

        // No attribute or CSS reference to anything outside the file (scripts aside: they are checked by hash below).
        var markup = ScriptBlocks().Replace(html, "<script></script>");
        Assert.Empty(Regex.Matches(markup, "<[^>]*\\s(?:src|srcset|href|action|poster|data|formaction)\\s*=", RegexOptions.IgnoreCase));
        Assert.Empty(Regex.Matches(html, "url\\(", RegexOptions.IgnoreCase));
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);

        var policy = Regex.Match(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">").Groups[1].Value;
        Assert.StartsWith("default-src 'none';", policy);
        Assert.DoesNotContain("unsafe-inline'; img-src data:; script-src 'unsafe-inline", policy);
        var scripts = ScriptBlocks().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, scripts.Count);
        foreach (var script in scripts)
            Assert.Contains($"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}'", policy);
    }

    [Fact]
    public async Task An_empty_catalogue_gives_a_report_without_a_map()
    {
        using var dir = new TempFolder();
        var html = await WriteAsync(dir.Path, 0, "source,line,track_id,reason\ntracks.csv,2,1,no audio file\n");
        Assert.Contains("No track has features", html);
        Assert.DoesNotContain("<canvas", html);
    }

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlocks();
}
