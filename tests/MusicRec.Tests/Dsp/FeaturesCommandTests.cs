using System.Diagnostics;
using System.Text.Json;
using MusicRec.Dsp;
using MusicRec.Host.Commands;

namespace MusicRec.Tests.Dsp;

public class FeaturesCommandTests
{
    private static readonly string[] Statistics = ["mean", "std", "min", "max", "median", "skew", "kurtosis"];

    [Fact]
    public void Prints_one_json_line_per_file_in_the_spec_shape_and_fails_at_the_end_for_a_bad_file()
    {
        var good = DspTestFiles.TestData("tone_22k_mono_16.wav");
        var mp3 = DspTestFiles.TestData("tone_44k_stereo_128k.mp3");
        var bad = DspTestFiles.TestData("bad_text_named.mp3");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = FeaturesCommand.Run([good, bad, mp3], stdout, stderr, CancellationToken.None);

        Assert.Equal(1, exit);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // the bad file in the middle did not stop the one after it
        var errors = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(errors);
        Assert.Contains(bad, errors[0]);

        using var json = JsonDocument.Parse(lines[0]);
        var root = json.RootElement;
        Assert.Equal(["file", "sample_rate", "duration_s", "frames", "mfcc", "spectral_centroid", "zcr"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(good, root.GetProperty("file").GetString());
        Assert.Equal(22050, root.GetProperty("sample_rate").GetInt32());
        Assert.Equal(2.0, root.GetProperty("duration_s").GetDouble(), 9);
        Assert.Equal(87, root.GetProperty("frames").GetInt32()); // 1 + 44100 / 512
        foreach (var (feature, rows) in new[] { ("mfcc", 20), ("spectral_centroid", 1), ("zcr", 1) })
        {
            var stats = root.GetProperty(feature);
            Assert.Equal(Statistics, stats.EnumerateObject().Select(p => p.Name));
            foreach (var s in Statistics)
                Assert.Equal(rows, stats.GetProperty(s).EnumerateArray().Count(e => e.ValueKind == JsonValueKind.Number));
        }

        // The JSON carries exactly what the extractor computes.
        var features = new SpectralFeatureExtractor().Extract(new AudioDecoder().DecodeMono22050(good));
        Assert.Equal(features.Mfcc.Mean[3], root.GetProperty("mfcc").GetProperty("mean")[3].GetDouble());
        Assert.Equal(features.Zcr.Kurtosis[0], root.GetProperty("zcr").GetProperty("kurtosis")[0].GetDouble());
    }

    [Fact]
    public void All_good_files_exit_zero()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = FeaturesCommand.Run([DspTestFiles.TestData("tone_44k_stereo_q5.ogg")], stdout, stderr, CancellationToken.None);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr.ToString());
        Assert.Single(stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task The_musicrec_process_prints_exactly_one_stderr_line_for_a_corrupt_mp3()
    {
        // libmpg123 inside libsndfile writes its own notes to fd 2 for this file; the command must keep stderr
        // to the one line SPEC.md promises.
        var host = Path.Combine(AppContext.BaseDirectory, "MusicRec.Host.dll");
        var good = DspTestFiles.TestData("tone_22k_mono_16.wav");
        var bad = DspTestFiles.TestData("bad_text_named.mp3");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { host, "features", bad, good }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        var errorLines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"musicrec: {bad}: not audio: the file holds text"], errorLines);
        var outLines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(outLines);
        Assert.Equal(good, JsonDocument.Parse(outLines[0]).RootElement.GetProperty("file").GetString());
    }
}
