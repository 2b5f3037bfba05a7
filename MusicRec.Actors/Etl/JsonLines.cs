using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace MusicRec.Etl;

/// <summary>Where one line of a JSON-lines file sits (without its newline), so it can be read back by seeking.</summary>
public readonly record struct LineRef(long Offset, int Length);

/// <summary>Helpers for append-only JSON-lines files that must survive a kill -9 at any byte.</summary>
public static class JsonLines
{
    /// <summary>
    /// Calls <paramref name="onLine"/> for every complete (newline-terminated) line and returns the length of the
    /// file up to the end of the last complete line; anything after it is a torn write from a crash.
    /// Streams with a fixed buffer, so memory does not grow with the file.
    /// </summary>
    public static long Scan(string path, Action<LineRef, ReadOnlySpan<byte>> onLine)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var line = new ArrayBufferWriter<byte>(8192);
        var buffer = new byte[1 << 16];
        long position = 0, lineStart = 0, completeEnd = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var chunk = buffer.AsSpan(0, read);
            while (!chunk.IsEmpty)
            {
                var nl = chunk.IndexOf((byte)'\n');
                if (nl < 0)
                {
                    line.Write(chunk);
                    position += chunk.Length;
                    break;
                }
                line.Write(chunk[..nl]);
                position += nl + 1;
                if (line.WrittenCount > 0) onLine(new LineRef(lineStart, line.WrittenCount), line.WrittenSpan);
                line.ResetWrittenCount();
                lineStart = position;
                completeEnd = position;
                chunk = chunk[(nl + 1)..];
            }
        }
        return completeEnd;
    }

    /// <summary>Cuts a torn last line off so the next append starts on a fresh line.</summary>
    public static void TruncateTo(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        if (stream.Length > length) stream.SetLength(length);
    }
}

/// <summary>Random-access reader of lines located by <see cref="LineRef"/>.</summary>
public sealed class LineReader : IDisposable
{
    private readonly SafeFileHandle _handle;

    public LineReader(string path) =>
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    public byte[] Read(LineRef line)
    {
        var bytes = new byte[line.Length];
        var done = 0;
        while (done < bytes.Length)
        {
            var n = RandomAccess.Read(_handle, bytes.AsSpan(done), line.Offset + done);
            if (n == 0) throw new EndOfStreamException($"line at {line.Offset} is cut short");
            done += n;
        }
        return bytes;
    }

    public void Dispose() => _handle.Dispose();
}
