using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace MusicRec.Dsp;

/// <summary>
/// Managed reader for plain RIFF/WAVE PCM (8/16/24/32-bit integer) and IEEE float (32/64-bit), any channel
/// count, so 22050 Hz WAV clips (the sample catalogue) need no native library. Samples are converted to float
/// exactly as libsndfile's sf_readf_float does (integer / 2^(bits-1)) and downmixed to mono with the float32
/// channel mean, as librosa.load does. Other WAV encodings (ADPCM, mu-law, RF64 ...) are left to libsndfile.
/// </summary>
internal static class WavReader
{
    private const ushort FormatPcm = 1;
    private const ushort FormatIeeeFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;
    private const int MaxChannels = 1024;

    /// <summary>Mono samples in the first <see cref="Length"/> entries of <see cref="Buffer"/> (a reused array may be longer).</summary>
    internal sealed record MonoClip(float[] Buffer, int Length, int SampleRate, int Channels)
    {
        public Span<float> Samples => Buffer.AsSpan(0, Length);
    }

    /// <summary>
    /// Reads a RIFF/WAVE file of a kind handled here; returns null if the file is not RIFF/WAVE or uses an
    /// encoding left to libsndfile. A RIFF/WAVE file with a broken structure is an AudioDecodeException.
    /// </summary>
    public static MonoClip? TryRead(string path, SampleBuffers buffers)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var length = stream.Length;
        Span<byte> header = stackalloc byte[12];
        var got = ReadAtMost(stream, header);
        if (got < 4 || !header[..4].SequenceEqual("RIFF"u8)) return null;
        if (got < 12) throw new AudioDecodeException(path, $"truncated WAV: only {length} bytes, no complete RIFF header");
        if (!header[8..12].SequenceEqual("WAVE"u8)) return null;

        Format? format = null;
        long dataStart = -1, dataSize = 0;
        long position = 12;
        Span<byte> chunkHeader = stackalloc byte[8];
        while (position + 8 <= length)
        {
            stream.Position = position;
            ReadExactly(stream, chunkHeader, path);
            var id = Encoding.ASCII.GetString(chunkHeader[..4]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            var bodyStart = position + 8;
            if (id == "fmt ")
            {
                if (size < 16 || bodyStart + 16 > length)
                    throw new AudioDecodeException(path, $"corrupt WAV: fmt chunk of {size} bytes is too short or cut off");
                var body = new byte[Math.Min(size, 40)];
                ReadExactly(stream, body.AsSpan(0, (int)Math.Min(body.Length, length - bodyStart)), path);
                format = Format.Parse(body);
            }
            else if (id == "data")
            {
                if (format is null) throw new AudioDecodeException(path, "corrupt WAV: data chunk before the fmt chunk");
                var available = length - bodyStart;
                // 0xFFFFFFFF is what streaming writers put when the length was unknown: read to the end.
                if (size == uint.MaxValue) size = available;
                if (size > available)
                    throw new AudioDecodeException(path,
                        $"truncated or corrupt WAV: the header declares {size} bytes of audio data but only {available} follow");
                dataStart = bodyStart;
                dataSize = size;
                break;
            }
            position = bodyStart + size + (size & 1);
        }

        if (format is null) throw new AudioDecodeException(path, "corrupt WAV: no fmt chunk");
        if (dataStart < 0) throw new AudioDecodeException(path, "corrupt or truncated WAV: no data chunk");
        var f = format.Value;
        if (!f.IsManaged) return null;
        f.Validate(path);

        var frames = dataSize / f.BlockAlign;
        if (frames == 0) throw new AudioDecodeException(path, "empty WAV: the data chunk holds no audio frames");
        if (frames > Array.MaxLength) throw new AudioDecodeException(path, $"WAV too long: {frames} frames");

        var mono = buffers.Decoded((int)frames);
        stream.Position = dataStart;
        const int chunkFrames = 16384;
        var buffer = ArrayPool<byte>.Shared.Rent(chunkFrames * f.BlockAlign);
        try
        {
            long done = 0;
            while (done < frames)
            {
                var n = (int)Math.Min(chunkFrames, frames - done);
                var bytes = buffer.AsSpan(0, n * f.BlockAlign);
                ReadExactly(stream, bytes, path);
                f.ConvertToMono(bytes, mono.AsSpan((int)done, n));
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new MonoClip(mono, (int)frames, f.SampleRate, f.Channels);
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        if (ReadAtMost(stream, buffer) != buffer.Length)
            throw new AudioDecodeException(path, "truncated WAV: the file ends inside a chunk");
    }

    private readonly record struct Format(ushort Tag, int Channels, int SampleRate, int BlockAlign, int BitsPerSample)
    {
        public static Format Parse(ReadOnlySpan<byte> body)
        {
            var tag = BinaryPrimitives.ReadUInt16LittleEndian(body);
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
            // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
            if (tag == FormatExtensible && body.Length >= 26) tag = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
            return new Format(tag, BinaryPrimitives.ReadUInt16LittleEndian(body[2..]),
                (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(body[4..]), int.MaxValue),
                BinaryPrimitives.ReadUInt16LittleEndian(body[12..]), bits);
        }

        public bool IsManaged =>
            (Tag == FormatPcm && BitsPerSample is 8 or 16 or 24 or 32) ||
            (Tag == FormatIeeeFloat && BitsPerSample is 32 or 64);

        public void Validate(string path)
        {
            if (Channels is < 1 or > MaxChannels)
                throw new AudioDecodeException(path, $"corrupt WAV: {Channels} channels");
            if (SampleRate is < 1 or > 1_000_000)
                throw new AudioDecodeException(path, $"corrupt WAV: sample rate {SampleRate} Hz");
            if (BlockAlign != Channels * (BitsPerSample / 8))
                throw new AudioDecodeException(path,
                    $"corrupt WAV: block size {BlockAlign} does not match {Channels} channels of {BitsPerSample} bits");
        }

        public void ConvertToMono(ReadOnlySpan<byte> bytes, Span<float> mono)
        {
            if (BitConverter.IsLittleEndian && Tag == FormatPcm && BitsPerSample == 16 && Channels <= 2)
            {
                // Fast path for the common 16-bit mono/stereo files; same arithmetic as the general loop.
                var pcm = MemoryMarshal.Cast<byte, short>(bytes);
                if (Channels == 1)
                    for (var i = 0; i < mono.Length; i++) mono[i] = pcm[i] * (1f / 32768);
                else
                    for (var i = 0; i < mono.Length; i++) mono[i] = (pcm[2 * i] * (1f / 32768) + pcm[2 * i + 1] * (1f / 32768)) / 2;
                return;
            }
            var bytesPerSample = BitsPerSample / 8;
            for (var i = 0; i < mono.Length; i++)
            {
                var frame = bytes.Slice(i * BlockAlign, BlockAlign);
                if (Channels == 1)
                {
                    mono[i] = Sample(frame);
                    continue;
                }
                // float32 channel mean: sum in channel order, then divide (numpy's mean over the channel axis).
                var sum = 0f;
                for (var c = 0; c < Channels; c++) sum += Sample(frame.Slice(c * bytesPerSample, bytesPerSample));
                mono[i] = sum / Channels;
            }
        }

        private float Sample(ReadOnlySpan<byte> s) => (Tag, BitsPerSample) switch
        {
            (FormatPcm, 8) => (s[0] - 128) * (1f / 128),
            (FormatPcm, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) * (1f / 32768),
            (FormatPcm, 24) => ((s[0] << 8 | s[1] << 16 | s[2] << 24) >> 8) * (1f / 8388608),
            (FormatPcm, 32) => BinaryPrimitives.ReadInt32LittleEndian(s) * (1f / 2147483648f),
            (FormatIeeeFloat, 32) => BinaryPrimitives.ReadSingleLittleEndian(s),
            _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
        };
    }
}
