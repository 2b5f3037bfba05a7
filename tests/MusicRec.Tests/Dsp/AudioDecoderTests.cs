using MusicRec.Dsp;
using MusicRec.Dsp.Native;
using Xunit.Abstractions;

namespace MusicRec.Tests.Dsp;

/// <summary>
/// Decoding of small committed files made with Debian's sox, lame, oggenc, flac and ffmpeg (libopus) from one
/// 2 s, 44.1 kHz stereo source (two tones plus pink noise); see TestData/README.md.
/// </summary>
public class AudioDecoderTests(ITestOutputHelper output)
{
    private readonly AudioDecoder _decoder = new();

    [Theory]
    // file, original rate, channels, original frames, reader
    [InlineData("tone_22k_mono_16.wav", 22050, 1, 44100, "managed-wav")]
    [InlineData("tone_44k_stereo_16.wav", 44100, 2, 88200, "managed-wav")]
    [InlineData("tone_44k_stereo_float.wav", 44100, 2, 88200, "managed-wav")]
    [InlineData("tone_48k_mono_24.wav", 48000, 1, 24000, "managed-wav")]
    [InlineData("tone_22k_stereo_u8.wav", 22050, 2, 11025, "managed-wav")]
    [InlineData("tone_22k_mono_s32.wav", 22050, 1, 11025, "managed-wav")]
    [InlineData("tone_22k_mono_f64.wav", 22050, 1, 11025, "managed-wav")]
    [InlineData("tone_44k_stereo_128k.mp3", 44100, 2, 88200, "libsndfile")]
    [InlineData("tone_44k_stereo_q5.ogg", 44100, 2, 88200, "libsndfile")]
    [InlineData("tone_44k_stereo.flac", 44100, 2, 88200, "libsndfile")]
    [InlineData("tone_48k_stereo.opus", 48000, 2, 96000, "libsndfile")]
    public void Decodes_each_format_to_mono_22050_with_librosas_length(string file, int rate, int channels, int frames, string reader)
    {
        var decoded = _decoder.Decode(DspTestFiles.TestData(file));
        Assert.Equal(rate, decoded.OriginalSampleRate);
        Assert.Equal(channels, decoded.OriginalChannels);
        Assert.Equal(reader, decoded.Reader);
        Assert.Equal(rate != 22050, decoded.Resampled);
        // librosa's fix_length: ceil(n * 22050 / sr). MP3 is gapless (no encoder delay or padding left over).
        Assert.Equal((int)Math.Ceiling(frames * (22050.0 / rate)), decoded.Samples.Length);
        var rms = Math.Sqrt(decoded.Samples.Average(x => (double)x * x));
        output.WriteLine($"{file}: {decoded.Samples.Length} samples, rms {rms:0.####}");
        Assert.InRange(rms, 0.05, 0.08); // the source is at rms 0.064; garbage or silence would fall outside
    }

    [Fact]
    public void Reused_buffers_give_the_same_samples_as_a_fresh_decode_whatever_came_before()
    {
        // Long then short, resampled then not, so a stale tail or an unclamped length would show.
        var files = new[] { "tone_44k_stereo_128k.mp3", "tone_22k_mono_s32.wav", "tone_48k_stereo.opus", "tone_48k_mono_24.wav",
            "tone_22k_mono_16.wav", "tone_22k_stereo_u8.wav", "tone_44k_stereo_q5.ogg", "tone_44k_stereo_float.wav" };
        var buffers = new SampleBuffers();
        foreach (var file in files.Concat(files.Reverse()))
        {
            var path = DspTestFiles.TestData(file);
            var fresh = _decoder.DecodeMono22050(path);
            var reused = _decoder.DecodeMono22050(path, buffers);
            Assert.Equal(fresh.Length, reused.Length);
            Assert.True(fresh.AsSpan().SequenceEqual(reused.Span), $"{file}: samples differ when decoded into reused buffers");
        }
    }

    [Fact]
    public void Reused_buffers_are_the_same_arrays_from_one_clip_to_the_next()
    {
        var buffers = new SampleBuffers();
        var first = _decoder.DecodeMono22050(DspTestFiles.TestData("tone_22k_mono_16.wav"), buffers);
        var second = _decoder.DecodeMono22050(DspTestFiles.TestData("tone_22k_mono_s32.wav"), buffers); // shorter
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first, out var a));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second, out var b));
        Assert.Same(a.Array, b.Array);
    }

    [Fact]
    public void Managed_wav_reader_and_libsndfile_agree_bit_for_bit()
    {
        foreach (var file in new[] { "tone_22k_mono_16.wav", "tone_44k_stereo_16.wav", "tone_44k_stereo_float.wav",
                     "tone_48k_mono_24.wav", "tone_22k_stereo_u8.wav", "tone_22k_mono_s32.wav", "tone_22k_mono_f64.wav" })
        {
            var path = DspTestFiles.TestData(file);
            var managed = _decoder.Decode(path);
            var native = _decoder.DecodeWithSndFile(path);
            Assert.Equal("managed-wav", managed.Reader);
            Assert.Equal("libsndfile", native.Reader);
            Assert.Equal(native.Samples.Length, managed.Samples.Length);
            var maxDiff = managed.Samples.Select((x, i) => Math.Abs(x - native.Samples[i])).Max();
            output.WriteLine($"{file}: max |managed - libsndfile| = {maxDiff}");
            Assert.Equal(0f, maxDiff);
        }
    }

    [Fact]
    public void Flac_and_the_wav_it_was_made_from_decode_to_the_same_samples()
    {
        var wav = _decoder.DecodeMono22050(DspTestFiles.TestData("tone_44k_stereo_16.wav"));
        var flac = _decoder.DecodeMono22050(DspTestFiles.TestData("tone_44k_stereo.flac"));
        Assert.Equal(wav, flac); // lossless: same PCM, same downmix, same soxr resampling
    }

    [Theory]
    [InlineData("tone_44k_stereo_float.wav", 0.05)]
    // Lossy codecs drop the quiet noise near 11 kHz (measured: MP3 4.2, Ogg 2.7, Opus 2.2); a garbled decode is far off.
    [InlineData("tone_44k_stereo_128k.mp3", 6.0)]
    [InlineData("tone_44k_stereo_q5.ogg", 6.0)]
    [InlineData("tone_48k_stereo.opus", 6.0)]
    [InlineData("tone_22k_mono_16.wav", 0.1)]
    public void Encodings_of_the_same_source_give_close_features(string file, double mfccTolerance)
    {
        var extractor = new SpectralFeatureExtractor();
        var reference = extractor.Extract(_decoder.DecodeMono22050(DspTestFiles.TestData("tone_44k_stereo_16.wav")));
        var other = extractor.Extract(_decoder.DecodeMono22050(DspTestFiles.TestData(file)));
        var mfccDiff = other.Mfcc.Mean.Select((v, k) => Math.Abs(v - reference.Mfcc.Mean[k])).Max();
        var centroidRel = Math.Abs(other.SpectralCentroid.Mean[0] / reference.SpectralCentroid.Mean[0] - 1);
        output.WriteLine($"{file}: max |mfcc mean diff| {mfccDiff:0.###}, centroid rel diff {centroidRel:P2}");
        Assert.True(mfccDiff <= mfccTolerance, $"mfcc means differ by {mfccDiff}");
        Assert.True(centroidRel <= 0.05, $"centroid differs by {centroidRel:P2}");
    }

    [Theory]
    [InlineData("bad_empty.wav", "empty")]
    [InlineData("bad_text_named.mp3", "text")]
    [InlineData("bad_random_bytes.ogg", "not a readable audio file")]
    [InlineData("bad_header_only.ogg", "not a readable audio file")]
    [InlineData("bad_truncated_lying_header.wav", "truncated")]
    [InlineData("bad_no_frames.wav", "no audio frames")]
    [InlineData("bad_zero_channels.wav", "0 channels")]
    [InlineData("bad_truncated.mp3", "truncated")]
    [InlineData("bad_truncated.ogg", "truncated")]
    [InlineData("bad_truncated.flac", "truncated")]
    public async Task Broken_files_are_a_typed_error_naming_the_file_and_the_problem(string file, string problem)
    {
        var path = DspTestFiles.TestData(file);
        // Run on a worker with a deadline: a hang must fail the test, not stall the run.
        var attempt = Task.Run(() => _decoder.DecodeMono22050(path));
        var first = await Task.WhenAny(attempt, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(first == attempt, $"{file}: decoding did not finish in 30 s");
        var error = await Assert.ThrowsAsync<AudioDecodeException>(() => attempt);
        output.WriteLine(error.Message);
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_mp3_without_a_xing_header_decodes_although_its_length_was_only_estimated()
    {
        // lame -t: no Xing/LAME tag, so no gapless trim and libsndfile estimates 90060 frames from the size
        // and bitrate while 89856 decode (encoder delay included); that is not truncation.
        var decoded = _decoder.Decode(DspTestFiles.TestData("tone_44k_stereo_128k_no_xing.mp3"));
        Assert.Equal(89856 / 2, decoded.Samples.Length);
    }

    [Fact]
    public void A_missing_file_is_a_decode_error()
    {
        var error = Assert.Throws<AudioDecodeException>(() => _decoder.DecodeMono22050("/nonexistent/clip.mp3"));
        Assert.Contains("not found", error.Problem);
    }

    private static SndFile MissingSndFile() => SndFile.Load(["libsndfile-not-installed.so.99"]);
    private static Soxr MissingSoxr() => Soxr.Load(["libsoxr-not-installed.so.99"]);

    [Fact]
    public void Without_libsndfile_an_mp3_says_to_install_libsndfile1()
    {
        var decoder = new AudioDecoder(MissingSndFile, () => Soxr.Shared);
        var error = Assert.Throws<NativeLibraryMissingException>(() => decoder.DecodeMono22050(DspTestFiles.TestData("tone_44k_stereo_128k.mp3")));
        Assert.Equal("libsndfile1", error.DebianPackage);
        Assert.Contains("apt-get install libsndfile1", error.Message);
    }

    [Fact]
    public void Without_libsoxr_a_44k_wav_says_to_install_libsoxr0()
    {
        var decoder = new AudioDecoder(MissingSndFile, MissingSoxr);
        var error = Assert.Throws<NativeLibraryMissingException>(() => decoder.DecodeMono22050(DspTestFiles.TestData("tone_44k_stereo_16.wav")));
        Assert.Equal("libsoxr0", error.DebianPackage);
    }

    [Fact]
    public void A_22050_hz_wav_needs_no_native_library()
    {
        var decoder = new AudioDecoder(MissingSndFile, MissingSoxr);
        var samples = decoder.DecodeMono22050(DspTestFiles.TestData("tone_22k_mono_16.wav"));
        Assert.Equal(_decoder.DecodeMono22050(DspTestFiles.TestData("tone_22k_mono_16.wav")), samples);
    }

    [Fact]
    public void Downmix_is_the_float32_channel_mean()
    {
        float[] interleaved = [1f, 0f, 0.25f, -0.75f, 0.1f, 0.2f];
        var mono = new float[3];
        AudioDecoder.Downmix(interleaved, 2, mono);
        Assert.Equal([0.5f, -0.25f, (0.1f + 0.2f) / 2], mono);
    }
}
