using System.CommandLine;
using System.Runtime.InteropServices;
using MusicRec.Dsp;

namespace MusicRec.Host.Commands;

internal static partial class FeaturesCommand
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
        command.SetHandler((parse, ct) => Task.FromResult(Run(parse.GetValue(files) ?? [], Console.Out, Console.Error, ct, muteNativeStderr: true)));
        return command;
    }

    /// <summary>One JSON line per file on stdout; a file that fails is one stderr line and exit code 1 at the end.</summary>
    internal static int Run(IReadOnlyList<string> files, TextWriter stdout, TextWriter stderr, CancellationToken ct, bool muteNativeStderr = false)
    {
        var decoder = new AudioDecoder();
        var extractor = new SpectralFeatureExtractor();
        var failed = 0;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                float[] samples;
                using (muteNativeStderr ? NativeStderrMute.Start() : null) samples = decoder.DecodeMono22050(file);
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

    /// <summary>
    /// libsndfile's MP3 decoder (libmpg123) prints notes such as "Illegal Audio-MPEG-Header" straight to file
    /// descriptor 2; SPEC.md promises one stderr line per failed file, so the command points fd 2 at /dev/null
    /// while a file decodes. Safe here because this command decodes on one thread and writes nothing meanwhile.
    /// </summary>
    private sealed partial class NativeStderrMute : IDisposable
    {
        private const int StderrFd = 2;
        private const int ReadWrite = 2;
        private readonly int _saved;

        private NativeStderrMute(int saved) => _saved = saved;

        public static IDisposable? Start()
        {
            if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return null;
            var devNull = Open("/dev/null", ReadWrite);
            if (devNull < 0) return null;
            var saved = Dup(StderrFd);
            if (saved < 0 || Dup2(devNull, StderrFd) < 0)
            {
                Close(devNull);
                if (saved >= 0) Close(saved);
                return null;
            }
            Close(devNull);
            return new NativeStderrMute(saved);
        }

        public void Dispose()
        {
            Dup2(_saved, StderrFd);
            Close(_saved);
        }

        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "dup")]
        private static partial int Dup(int fd);

        [LibraryImport("libc", EntryPoint = "dup2")]
        private static partial int Dup2(int oldFd, int newFd);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int Close(int fd);
    }
}
