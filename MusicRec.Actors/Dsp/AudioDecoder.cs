using MusicRec.Dsp.Native;

namespace MusicRec.Dsp;

/// <summary>A decoded clip: mono float32 at <see cref="AudioDecoder.TargetSampleRate"/>, and where it came from.</summary>
public sealed record DecodedAudio(float[] Samples, int OriginalSampleRate, int OriginalChannels, string Reader, bool Resampled);

/// <summary>
/// librosa.load(path, sr=22050, mono=True): decode, downmix to mono (float32 channel mean), resample with
/// libsoxr at HQ quality when the file is not at 22050 Hz, then fix the length to ceil(n * 22050 / sr).
/// Plain PCM/float WAV is read by managed code (no native library needed for 22050 Hz WAV); everything else
/// goes through libsndfile, the library python-soundfile uses for librosa. Stateless and thread-safe.
/// </summary>
public sealed class AudioDecoder : IAudioDecoder
{
    public const int TargetSampleRate = 22050;

    private readonly Func<SndFile> _sndFile;
    private readonly Func<Soxr> _soxr;

    public AudioDecoder() : this(() => SndFile.Shared, () => Soxr.Shared)
    {
    }

    /// <summary>For tests: alternative library loaders (e.g. ones that fail as if the library were missing).</summary>
    internal AudioDecoder(Func<SndFile> sndFile, Func<Soxr> soxr)
    {
        _sndFile = sndFile;
        _soxr = soxr;
    }

    /// <exception cref="AudioDecodeException">the file cannot be decoded.</exception>
    /// <exception cref="NativeLibraryMissingException">the file needs libsndfile or libsoxr and it is not installed.</exception>
    public float[] DecodeMono22050(string path) => Decode(path).Samples;

    /// <inheritdoc />
    public ReadOnlyMemory<float> DecodeMono22050(string path, SampleBuffers buffers)
    {
        var clip = Decode(path, preferManagedWav: true, buffers, out _, out _);
        return clip.Buffer.AsMemory(0, clip.Length);
    }

    /// <summary>Like <see cref="DecodeMono22050(string)"/>, with the original rate and channel count.</summary>
    public DecodedAudio Decode(string path) => Decode(path, preferManagedWav: true);

    /// <summary>
    /// Mono at the file's own rate, not resampled (librosa.load(sr=None), as FMA's features.py loads): only to
    /// measure the feature gap between the two sources (docs/feature-sources.md).
    /// </summary>
    public DecodedAudio DecodeNativeRate(string path)
    {
        var clip = ReadMono(path, preferManagedWav: true, new SampleBuffers(), out var reader);
        return new DecodedAudio(clip.Samples.ToArray(), clip.SampleRate, clip.Channels, reader, Resampled: false);
    }

    /// <summary>Decodes through libsndfile even where the managed WAV reader would do (to compare the two).</summary>
    internal DecodedAudio DecodeWithSndFile(string path) => Decode(path, preferManagedWav: false);

    private DecodedAudio Decode(string path, bool preferManagedWav)
    {
        // Fresh buffers: the arrays handed out are the caller's to keep (trimmed to length, as before).
        var clip = Decode(path, preferManagedWav, new SampleBuffers(), out var original, out var reader);
        var samples = clip.Length == clip.Buffer.Length ? clip.Buffer : clip.Samples.ToArray();
        return new DecodedAudio(samples, original.SampleRate, original.Channels, reader, Resampled: original.SampleRate != TargetSampleRate);
    }

    /// <summary>The decoded clip at 22050 Hz in <paramref name="buffers"/>; <paramref name="original"/> is the file's own rate and channels.</summary>
    private WavReader.MonoClip Decode(string path, bool preferManagedWav, SampleBuffers buffers, out WavReader.MonoClip original, out string reader)
    {
        var clip = ReadMono(path, preferManagedWav, buffers, out reader);
        original = clip;
        return clip.SampleRate == TargetSampleRate ? clip : Resample(path, clip, buffers);
    }

    /// <summary>The file decoded and downmixed at its own rate.</summary>
    private WavReader.MonoClip ReadMono(string path, bool preferManagedWav, SampleBuffers buffers, out string reader)
    {
        CheckFile(path);
        WavReader.MonoClip? clip;
        try
        {
            clip = preferManagedWav ? WavReader.TryRead(path, buffers) : null;
            reader = "managed-wav";
            if (clip is null)
            {
                clip = ReadWithSndFile(path, buffers);
                reader = "libsndfile";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AudioDecodeException(path, $"cannot read the file: {e.Message}", e);
        }

        foreach (var x in clip.Samples)
            if (!float.IsFinite(x)) throw new AudioDecodeException(path, "the audio contains NaN or infinite samples");
        return clip;
    }

    private static void CheckFile(string path)
    {
        FileInfo info;
        try
        {
            info = new FileInfo(path);
        }
        catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException)
        {
            throw new AudioDecodeException(path, $"invalid path: {e.Message}", e);
        }
        if (!info.Exists) throw new AudioDecodeException(path, "file not found");
        if (info.Length == 0) throw new AudioDecodeException(path, "empty file (0 bytes)");
    }

    private WavReader.MonoClip ReadWithSndFile(string path, SampleBuffers buffers)
    {
        var sndFile = _sndFile();
        var handle = sndFile.Open(path, out var info, out var openError);
        if (handle == 0)
            throw new AudioDecodeException(path, LooksLikeText(path)
                ? "not audio: the file holds text" // libsndfile's own message for this case is misleading
                : $"not a readable audio file: unknown format or corrupt header (libsndfile: {openError})");
        try
        {
            if (info.Channels is < 1 or > 1024 || info.SampleRate is < 1 or > 1_000_000)
                throw new AudioDecodeException(path, $"corrupt header: {info.Channels} channels at {info.SampleRate} Hz");
            var channels = info.Channels;
            const int chunkFrames = 16384;
            var interleaved = buffers.Interleaved(chunkFrames * channels);
            // Trust the header's length only up to 16M frames for the first allocation: a lying header must not
            // allocate gigabytes; longer files grow the buffer as they decode.
            var capacity = (int)Math.Clamp(info.Frames, 1 << 16, 1 << 24);
            var mono = buffers.Decoded(capacity);
            var count = 0;
            while (true)
            {
                var read = (int)sndFile.ReadFrames(handle, interleaved, channels);
                if (read <= 0) break;
                if ((long)count + read > Array.MaxLength)
                    throw new AudioDecodeException(path, "too long to decode into memory");
                if (count + read > mono.Length)
                    mono = buffers.GrowDecoded(mono, count, (int)Math.Min(Array.MaxLength, Math.Max((long)mono.Length * 2, count + read)));
                Downmix(interleaved.AsSpan(0, read * channels), channels, mono.AsSpan(count, read));
                count += read;
            }
            var error = sndFile.Error(handle);
            if (error is not null)
                throw new AudioDecodeException(path, $"decoding failed after {count} frames (libsndfile: {error})");
            if (count == 0)
                throw new AudioDecodeException(path, "no audio frames could be decoded (empty or truncated)");
            // libsndfile reports SF_COUNT_MAX when it cannot find the end of the stream (an Ogg file cut short).
            if (info.Frames == long.MaxValue)
                throw new AudioDecodeException(path, $"truncated or corrupt: no end of stream found (decoded {count} frames)");
            // Without a Xing/LAME header libsndfile estimates an MP3's length from its size and bitrate, a few
            // hundred frames off; so only a shortfall beyond two MP3 frames and 0.5% counts as truncation.
            var shortfall = info.Frames - count;
            if (info.Frames > 0 && shortfall > Math.Max(2 * 1152, info.Frames / 200))
                throw new AudioDecodeException(path, $"truncated: the header promises {info.Frames} frames but only {count} could be decoded");
            return new WavReader.MonoClip(mono, count, info.SampleRate, channels);
        }
        finally
        {
            sndFile.Close(handle);
        }
    }

    // Only to word the error: libsndfile's own message for a text file named .mp3 is misleading.
    private static bool LooksLikeText(string path)
    {
        Span<byte> head = stackalloc byte[64];
        int n;
        using (var stream = File.OpenRead(path)) n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        foreach (var b in head[..n])
            if (b is not (9 or 10 or 13) && b is < 32 or > 126) return false;
        return n > 0;
    }

    /// <summary>float32 mean of the channels of interleaved frames (librosa.to_mono).</summary>
    public static void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        if (channels == 1)
        {
            interleaved[..mono.Length].CopyTo(mono);
            return;
        }
        for (var i = 0; i < mono.Length; i++)
        {
            var frame = interleaved.Slice(i * channels, channels);
            var sum = 0f;
            foreach (var x in frame) sum += x;
            mono[i] = sum / channels;
        }
    }

    /// <summary>libsoxr HQ to 22050 Hz, then librosa's fix_length to ceil(n * 22050 / sr) (zero pad or cut).</summary>
    private WavReader.MonoClip Resample(string path, WavReader.MonoClip clip, SampleBuffers buffers)
    {
        var soxr = _soxr();
        var sampleRate = clip.SampleRate;
        var ratio = (double)TargetSampleRate / sampleRate;
        var target = (long)Math.Ceiling(clip.Length * ratio);
        if (target > Array.MaxLength - 1) throw new AudioDecodeException(path, "too long to resample in memory");
        var output = buffers.Resampled((int)target + 1);
        int produced;
        try
        {
            produced = soxr.ResampleMono(clip.Samples, sampleRate, TargetSampleRate, output.AsSpan(0, (int)target + 1));
        }
        catch (InvalidOperationException e)
        {
            throw new AudioDecodeException(path, $"resampling from {sampleRate} Hz failed: {e.Message}", e);
        }
        // fix_length: samples past what soxr produced are zero (cleared: the array may hold the last clip), then cut to the target.
        if (produced < target) output.AsSpan(produced, (int)target - produced).Clear();
        return new WavReader.MonoClip(output, (int)target, TargetSampleRate, 1);
    }
}
