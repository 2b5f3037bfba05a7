using System.Diagnostics;
using System.Text.Json;
using MusicRec.Catalog;
using MusicRec.Tests.Catalog;

namespace MusicRec.Tests.Etl;

/// <summary>kill -9 of a real `musicrec etl` process mid-run, then a second run: nothing lost, nothing doubled or recomputed.</summary>
public sealed class KillAndResumeTests
{
    [Fact]
    public async Task Etl_killed_with_sigkill_mid_run_resumes_without_recomputing_or_doubling()
    {
        using var run = new TempRun();
        // 10 s clips for all 682 fixture tracks (hard links to one file), decoded by the real decoder.
        var clip = Path.Combine(run.Root, "clip.wav");
        WriteSineWav(clip, seconds: 10);
        var ids = FixtureTrackIds();
        Assert.Equal(682, ids.Count);
        foreach (var id in ids)
        {
            var target = Path.Combine(run.AudioDir, FmaCatalogReader.AudioStem(id) + ".wav");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Link(clip, target);
        }
        var checkpoint = Path.Combine(run.OutDir, ".work", "features.jsonl");

        using (var first = StartEtl(run))
        {
            var clock = Stopwatch.StartNew();
            while (CompleteLines(checkpoint) < 40 && !first.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(20);
            Assert.False(first.HasExited, "the first run ended before it could be killed");
            first.Kill(entireProcessTree: true); // SIGKILL on Linux
            await first.WaitForExitAsync();
        }
        var before = CompleteLines(checkpoint);
        Assert.InRange(before, 40, 681);
        Assert.False(File.Exists(Path.Combine(run.OutDir, "final.csv")));

        using (var second = StartEtl(run))
        {
            var output = await second.StandardOutput.ReadToEndAsync();
            await second.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(second.ExitCode == 0, output + await second.StandardError.ReadToEndAsync());
        }

        // Every track checkpointed exactly once: the second run computed only those the first had not finished.
        var perTrack = File.ReadLines(checkpoint).Where(l => l.EndsWith('}'))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("track_id").GetInt32())
            .GroupBy(id => id).ToList();
        Assert.Equal(682, perTrack.Count);
        Assert.All(perTrack, g => Assert.Single(g));
        var rows = File.ReadAllLines(Path.Combine(run.OutDir, "final.csv")).Skip(1).Select(l => int.Parse(l.Split(',')[0])).ToList();
        Assert.Equal(ids.Order(), rows);
    }

    private static Process StartEtl(TempRun run)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "MusicRec.Host.dll"), "etl", "--metadata", CatalogTestPaths.FmaFixtures,
                     "--audio", run.AudioDir, "--out", run.OutDir, "--workers", "1" })
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static int CompleteLines(string path)
    {
        if (!File.Exists(path)) return 0;
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var n = 0;
        int b;
        while ((b = s.ReadByte()) >= 0) if (b == '\n') n++;
        return n;
    }

    private static List<int> FixtureTrackIds()
    {
        var ids = new List<int>();
        foreach (var _ in new FmaCatalogReader(CatalogTestPaths.FmaFixtures, "/nonexistent", _ => { }).ReadTracks(r =>
                 {
                     if (r.TrackId is { } id && r.Reason.StartsWith("no audio file", StringComparison.Ordinal)) ids.Add(id);
                 })) { }
        return ids;
    }

    private static void Link(string source, string target)
    {
        using var ln = Process.Start(new ProcessStartInfo("ln", [source, target]))!;
        ln.WaitForExit();
        if (ln.ExitCode != 0) File.Copy(source, target);
    }

    private static void WriteSineWav(string path, int seconds)
    {
        const int rate = 22050;
        var n = rate * seconds;
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8); w.Write(36 + n * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(n * 2);
        var rng = new Random(5);
        for (var i = 0; i < n; i++)
            w.Write((short)(8000 * Math.Sin(2 * Math.PI * 330 * i / rate) + 2000 * (rng.NextDouble() - 0.5)));
    }
}
