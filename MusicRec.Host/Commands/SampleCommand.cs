using System.CommandLine;
using MusicRec.Catalog.Features;
using MusicRec.Catalog.Sample;

namespace MusicRec.Host.Commands;

internal static class SampleCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out")
        {
            Description = "Folder to write into: DIR/fma_metadata/*.csv and DIR/fma_audio/XXX/XXXXXX.wav",
            Required = true,
        };
        var tracks = new Option<int>("--tracks")
        {
            Description = $"Number of tracks (1..{SampleCatalog.MaxTracks}); each gets a 30 s WAV clip (~1.3 MB)",
            DefaultValueFactory = _ => SampleCatalog.DefaultTracks,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed: the same seed gives the same bytes",
            DefaultValueFactory = _ => SampleCatalog.DefaultSeed,
        };
        var withFeatures = new Option<bool>("--with-features-csv")
        {
            Description = "Also write DIR/fma_metadata/features.csv in FMA's layout, computed from the clips (the 154 MFCC/centroid/ZCR statistics; the other 364 columns empty)",
        };
        var command = new Command("sample", "Writes a sample catalogue in the FMA layout (metadata CSVs and synthesised 30 s clips whose sound follows their genre).")
        {
            outDir, tracks, seed, withFeatures,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var dir = parse.GetValue(outDir)!;
            var count = parse.GetValue(tracks);
            if (count is < 1 or > SampleCatalog.MaxTracks)
                throw new CliException($"--tracks must be between 1 and {SampleCatalog.MaxTracks} (got {count})", 2);
            var lastShown = 0;
            var progress = new Progress<int>(done =>
            {
                // Roughly every 10%, on stderr so stdout stays the summary.
                if (done * 10 / count > lastShown * 10 / count || done == count)
                {
                    lastShown = done;
                    Console.Error.WriteLine($"musicrec sample: {done}/{count} clips");
                }
            });
            SampleSummary summary;
            try
            {
                summary = await SampleCatalog.WriteAsync(dir, count, parse.GetValue(seed), progress, ct);
            }
            catch (IOException e)
            {
                throw new CliException($"cannot write the sample to {dir}: {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CliException($"cannot write the sample to {dir}: {e.Message}");
            }
            Console.WriteLine($"wrote {summary.Tracks} tracks ({summary.Albums} albums, {summary.Artists} artists, {summary.EchonestRows} echonest rows) in {summary.Elapsed.TotalSeconds:0.0} s");
            if (parse.GetValue(withFeatures))
            {
                var csv = Path.Combine(summary.MetadataDir, FmaFeaturesCsvReader.FileName);
                var rows = FeaturesCsvFromAudio.Write(summary.AudioDir, csv, Environment.ProcessorCount,
                    skipped: s => Console.Error.WriteLine($"musicrec sample: warning: not in features.csv: {s}"), ct: ct);
                Console.WriteLine($"features.csv: {rows} rows computed from the clips (154 of FMA's 518 columns; the others empty, see docs/feature-sources.md)");
            }
            Console.WriteLine($"metadata: {summary.MetadataDir}");
            Console.WriteLine($"audio:    {summary.AudioDir}");
            return 0;
        });
        return command;
    }
}
