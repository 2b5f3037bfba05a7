using System.CommandLine;
using MusicRec.Dsp;

namespace MusicRec.Host.Commands;

internal static class FeaturesCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "Audio files (WAV, FLAC, Ogg Vorbis, Opus, MP3).",
        };
        var command = new Command("features",
            "Prints the audio features of files as JSON lines (librosa 0.10 defaults: 20 MFCCs, spectral centroid, ZCR with FMA statistics).");
        command.Arguments.Add(files);
        command.SetHandler((parse, ct) => Task.FromResult(Run(parse.GetValue(files) ?? [], Console.Out, Console.Error, ct)));
        return command;
    }

    /// <summary>One JSON line per file on stdout; a file that fails is one stderr line and exit code 1 at the end.</summary>
    internal static int Run(IReadOnlyList<string> files, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var decoder = new AudioDecoder();
        var extractor = new SpectralFeatureExtractor();
        var failed = 0;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var samples = decoder.DecodeMono22050(file);
                FeaturesJson.Write(stdout, file, extractor.Extract(samples));
            }
            catch (AudioDecodeException e)
            {
                stderr.WriteLine($"musicrec: {file}: {e.Problem}");
                failed++;
            }
            catch (NativeLibraryMissingException e)
            {
                stderr.WriteLine($"musicrec: {file}: {e.Message}");
                failed++;
            }
        }
        stdout.Flush();
        return failed == 0 ? 0 : 1;
    }
}
