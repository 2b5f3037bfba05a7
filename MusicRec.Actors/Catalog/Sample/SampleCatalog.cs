using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace MusicRec.Catalog.Sample;

/// <summary>What to generate. Defaults are the demo catalogue.</summary>
public sealed record SampleOptions
{
    public int Tracks { get; init; } = SampleCatalog.DefaultTracks;
    public int Seed { get; init; } = SampleCatalog.DefaultSeed;
    /// <summary>False writes the metadata only (benchmarks at the real FMA size).</summary>
    public bool WriteAudio { get; init; } = true;
    /// <summary>Artist count; default ~0.16 per track (FMA: ~17,000 artists for 106,574 tracks).</summary>
    public int? Artists { get; init; }
    /// <summary>Album count; default ~0.141 per track (FMA: ~15,000 albums).</summary>
    public int? Albums { get; init; }
    /// <summary>Share of tracks with an echonest.csv row (FMA: ~12%; the sample: most, so the join shows).</summary>
    public double EchonestFraction { get; init; } = 0.85;
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

public sealed record SampleSummary(string MetadataDir, string AudioDir, int Tracks, int Albums, int Artists, int EchonestRows, TimeSpan Elapsed);

/// <summary>
/// Generates a sample catalogue in the real FMA layout: <c>OUT/fma_metadata/{genres.csv, raw_albums.csv,
/// raw_artists.csv, tracks.csv, echonest.csv}</c> and <c>OUT/fma_audio/XXX/XXXXXX.wav</c> (30 s, mono,
/// 22050 Hz, 16-bit PCM) with genre-specific synthesised audio. The same seed gives the same bytes: every
/// artist, album and track draws from its own generator seeded by (seed, id), and only + * / are used in
/// synthesis, so tracks are rendered in parallel without changing the output.
/// tracks.csv is written last, so its presence means the catalogue is complete (<see cref="Exists"/>).
/// </summary>
public static class SampleCatalog
{
    public const int DefaultTracks = 400;
    public const int DefaultSeed = 42;
    public const int MaxTracks = 200_000;
    public const int ClipSeconds = 30;
    public const int SampleRate = Voices.Rate;

    public static string MetadataDir(string outDir) => Path.Combine(outDir, "fma_metadata");
    public static string AudioDir(string outDir) => Path.Combine(outDir, "fma_audio");

    /// <summary>True when OUT holds a complete sample (tracks.csv is written last).</summary>
    public static bool Exists(string outDir) => File.Exists(Path.Combine(MetadataDir(outDir), FmaCatalogReader.TracksFile));

    public static Task<SampleSummary> WriteAsync(string outDir, int tracks, int seed, IProgress<int>? progress = null, CancellationToken ct = default) =>
        WriteAsync(outDir, new SampleOptions { Tracks = tracks, Seed = seed }, progress, ct);

    /// <param name="progress">Receives the number of audio clips written so far (metadata-only: tracks written, once).</param>
    public static async Task<SampleSummary> WriteAsync(string outDir, SampleOptions options, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        if (options.Tracks is < 1 or > MaxTracks)
            throw new ArgumentOutOfRangeException(nameof(options), options.Tracks, $"tracks must be between 1 and {MaxTracks}");
        var clock = Stopwatch.StartNew();
        var metaDir = MetadataDir(outDir);
        var audioDir = AudioDir(outDir);
        Directory.CreateDirectory(metaDir);
        var layout = new SampleLayout(options.Tracks, options.Seed, options.Artists, options.Albums);
        var metadata = new SampleMetadata(layout, options.EchonestFraction);

        // A new sample replaces an old one: remove tracks.csv first so a half-written folder never looks complete.
        File.Delete(Path.Combine(metaDir, FmaCatalogReader.TracksFile));
        metadata.WriteGenres(metaDir);
        metadata.WriteArtists(metaDir, ct);
        metadata.WriteAlbums(metaDir, ct);
        var echonestRows = metadata.WriteEchonest(metaDir, ct);
        if (options.WriteAudio) await WriteAudioAsync(audioDir, layout, metadata, options.MaxDegreeOfParallelism, progress, ct);
        metadata.WriteTracks(metaDir, ct);
        if (!options.WriteAudio) progress?.Report(layout.Tracks);
        return new SampleSummary(metaDir, audioDir, layout.Tracks, layout.Albums, layout.Artists, echonestRows, clock.Elapsed);
    }

    private static async Task WriteAudioAsync(string audioDir, SampleLayout layout, SampleMetadata metadata, int parallelism,
        IProgress<int>? progress, CancellationToken ct)
    {
        foreach (var folder in layout.Slots.Select(s => FmaCatalogReader.AudioStem(s.Id)[..3]).Distinct())
            Directory.CreateDirectory(Path.Combine(audioDir, folder));
        var done = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = ct };
        await Parallel.ForEachAsync(layout.Slots, options, async (slot, token) =>
        {
            var wav = RenderWav(slot, layout, metadata);
            try
            {
                var path = Path.Combine(audioDir, FmaCatalogReader.AudioStem(slot.Id) + ".wav");
                // Temporary name then rename: an interrupted run never leaves a clip that looks complete.
                var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    await file.WriteAsync(wav.AsMemory(0, WavBytes), token);
                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(wav);
            }
            progress?.Report(Interlocked.Increment(ref done));
        });
    }

    private const int ClipSamples = ClipSeconds * SampleRate;
    private const int WavBytes = 44 + 2 * ClipSamples;

    /// <summary>Renders one clip into a pooled buffer holding the complete WAV file (first <see cref="WavBytes"/> bytes).</summary>
    private static byte[] RenderWav(TrackSlot slot, SampleLayout layout, SampleMetadata metadata)
    {
        var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Audio, slot.Id);
        var plan = SampleStyle.All[slot.StyleIndex].Plan(ref rng); // same draws as metadata.AudioPlanOf(slot)
        var mix = ArrayPool<float>.Shared.Rent(ClipSamples);
        var scratch = ArrayPool<float>.Shared.Rent(ClipSamples);
        var wav = ArrayPool<byte>.Shared.Rent(WavBytes);
        try
        {
            var buf = mix.AsSpan(0, ClipSamples);
            StyleRenderer.Render(buf, scratch.AsSpan(0, ClipSamples), plan, ref rng);
            var peak = 1e-6f;
            foreach (var x in buf) peak = Math.Max(peak, Math.Abs(x));
            var gain = 0.89f * 32767f / peak;
            WriteWavHeader(wav.AsSpan(0, 44), ClipSamples);
            var data = wav.AsSpan(44, 2 * ClipSamples);
            for (var i = 0; i < ClipSamples; i++)
            {
                var s = (int)MathF.Round(buf[i] * gain);
                BinaryPrimitives.WriteInt16LittleEndian(data.Slice(2 * i, 2), (short)Math.Clamp(s, short.MinValue, short.MaxValue));
            }
            return wav;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(wav);
            throw;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(mix);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>RIFF/WAVE header for mono 16-bit PCM at <see cref="SampleRate"/>.</summary>
    internal static void WriteWavHeader(Span<byte> h, int samples)
    {
        var dataBytes = samples * 2;
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], 36 + dataBytes);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], 16);       // fmt chunk size
        BinaryPrimitives.WriteInt16LittleEndian(h[20..], 1);        // PCM
        BinaryPrimitives.WriteInt16LittleEndian(h[22..], 1);        // mono
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], SampleRate * 2); // byte rate
        BinaryPrimitives.WriteInt16LittleEndian(h[32..], 2);        // block align
        BinaryPrimitives.WriteInt16LittleEndian(h[34..], 16);       // bits per sample
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(h[40..], dataBytes);
    }
}
