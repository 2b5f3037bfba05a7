using System.Text.Json;

namespace MusicRec.Etl;

/// <summary>
/// Identity of an audio file for the resume check: same relative path, size and modification time means the
/// features computed earlier are still valid; an edited or replaced file is computed again.
/// </summary>
public readonly record struct AudioFileKey(string File, long Size, long ModifiedTicksUtc)
{
    public static AudioFileKey Of(string relativeFile, FileInfo info) =>
        new(relativeFile, info.Length, info.LastWriteTimeUtc.Ticks);
}

/// <summary>What the checkpoint knows about one track: its raw features (or why its audio was rejected).</summary>
public sealed record CheckpointEntry(int TrackId, AudioFileKey Key, LineRef Line, string? RejectReason)
{
    public bool IsReject => RejectReason is not null;
}

/// <summary>
/// Append-only JSON-lines file (<c>OUT/.work/features.jsonl</c>) of each track's RAW features, written and flushed
/// as each track completes, so a killed run loses at most the tracks in flight. A torn last line (kill -9 mid-write)
/// is ignored and cut off on open; when a track appears more than once the last line wins.
/// </summary>
public sealed class FeatureCheckpoint : IDisposable
{
    public const string RelativePath = ".work/features.jsonl";

    private readonly FileStream _append;
    private readonly Dictionary<int, CheckpointEntry> _loaded;

    private FeatureCheckpoint(string path, Dictionary<int, CheckpointEntry> loaded, FileStream append)
    {
        Path = path;
        _loaded = loaded;
        _append = append;
    }

    public string Path { get; }

    /// <summary>The entries found when the file was opened (earlier runs), by track id.</summary>
    public IReadOnlyDictionary<int, CheckpointEntry> Loaded => _loaded;

    public static FeatureCheckpoint Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var loaded = new Dictionary<int, CheckpointEntry>();
        var end = JsonLines.Scan(path, (line, bytes) =>
        {
            if (TryParseHeader(bytes, line, out var entry)) loaded[entry.TrackId] = entry;
        });
        if (File.Exists(path)) JsonLines.TruncateTo(path, end);
        var append = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);
        return new FeatureCheckpoint(path, loaded, append);
    }

    public CheckpointEntry AppendFeatures(int trackId, AudioFileKey key, ReadOnlySpan<double> raw) =>
        Append(trackId, key, null, raw);

    public CheckpointEntry AppendReject(int trackId, AudioFileKey key, string reason) =>
        Append(trackId, key, reason, default);

    private CheckpointEntry Append(int trackId, AudioFileKey key, string? reject, ReadOnlySpan<double> raw)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("track_id", trackId);
            w.WriteString("file", key.File);
            w.WriteNumber("size", key.Size);
            w.WriteNumber("mtime", key.ModifiedTicksUtc);
            if (reject is not null) w.WriteString("reject", reject);
            else
            {
                w.WriteStartArray("raw");
                foreach (var v in raw) w.WriteNumberValue(v);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        var offset = _append.Position;
        _append.Write(buffer.WrittenSpan);
        _append.WriteByte((byte)'\n');
        // Flush to the OS per record: survives kill -9 of this process (not a power cut, which is not the goal).
        _append.Flush(flushToDisk: false);
        return new CheckpointEntry(trackId, key, new LineRef(offset, buffer.WrittenCount), reject);
    }

    /// <summary>Reads the raw feature vector of a line written by <see cref="AppendFeatures"/>.</summary>
    public static double[] ParseRaw(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("raw"u8)) continue;
            reader.Read();
            var values = new List<double>(160);
            while (reader.Read() && reader.TokenType == JsonTokenType.Number) values.Add(reader.GetDouble());
            return values.ToArray();
        }
        throw new InvalidDataException("checkpoint line has no raw features");
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> bytes, LineRef line, out CheckpointEntry entry)
    {
        entry = null!;
        try
        {
            var reader = new Utf8JsonReader(bytes);
            int? id = null; string? file = null; long? size = null, mtime = null; string? reject = null;
            var rawCount = -1;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "track_id": id = reader.GetInt32(); break;
                    case "file": file = reader.GetString(); break;
                    case "size": size = reader.GetInt64(); break;
                    case "mtime": mtime = reader.GetInt64(); break;
                    case "reject": reject = reader.GetString(); break;
                    case "raw":
                        rawCount = 0;
                        while (reader.Read() && reader.TokenType == JsonTokenType.Number) rawCount++;
                        break;
                    default: reader.Skip(); break;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject) return false;
            if (id is null || file is null || size is null || mtime is null) return false;
            if (reject is null && rawCount != Dsp.AudioFeatures.ColumnNames.Count) return false;
            entry = new CheckpointEntry(id.Value, new AudioFileKey(file, size.Value, mtime.Value), line, reject);
            return true;
        }
        catch (JsonException)
        {
            return false; // a damaged line is treated as not computed: the track is simply computed again
        }
    }

    public void Dispose() => _append.Dispose();
}
