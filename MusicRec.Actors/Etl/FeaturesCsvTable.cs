using System.Runtime.InteropServices;
using MusicRec.Catalog;
using MusicRec.Catalog.Features;

namespace MusicRec.Etl;

/// <summary>
/// features.csv read once per run into <c>OUT/.work/features-csv.bin</c>: each good row's 518 values as raw
/// little-endian float64 in <see cref="FmaFeatureColumns.VectorOrder"/> (154 for a row with NaN beyond them), found
/// by track id. The ETL then treats
/// these vectors like the checkpointed ones from audio (read back by offset when normalising and writing), so
/// memory holds only the id-to-offset table (about 20 bytes a track), never the 106,574 x 518 values.
/// Parsing the CSV again is cheaper than keeping it resumable: it is not checkpointed.
/// </summary>
public sealed class FeaturesCsvTable
{
    public const string RelativePath = ".work/features-csv.bin";
    public static int RecordBytes => FmaFeatureColumns.Count * sizeof(double);

    private readonly Dictionary<int, LineRef> _rows;
    private readonly HashSet<int> _rejectedIds;

    private FeaturesCsvTable(string binPath, Dictionary<int, LineRef> rows, HashSet<int> rejectedIds, IReadOnlyList<Reject> rejects)
    {
        BinPath = binPath;
        _rows = rows;
        _rejectedIds = rejectedIds;
        Rejects = rejects;
    }

    public string BinPath { get; }
    public int Count => _rows.Count;
    /// <summary>The rows set aside, with their reasons (each a rejects.csv row).</summary>
    public IReadOnlyList<Reject> Rejects { get; }

    public bool TryGet(int trackId, out LineRef vector) => _rows.TryGetValue(trackId, out vector);

    /// <summary>The track had a row that was rejected (already in rejects.csv with its reason).</summary>
    public bool WasRejected(int trackId) => _rejectedIds.Contains(trackId);

    /// <exception cref="CatalogException">features.csv is missing or not in FMA's layout.</exception>
    public static FeaturesCsvTable Build(string csvPath, string binPath, CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(binPath))!);
        using var reader = FmaFeaturesCsvReader.Open(csvPath);
        var rows = new Dictionary<int, LineRef>();
        var rejectedIds = new HashSet<int>();
        var rejects = new List<Reject>();
        var vector = new double[FmaFeatureColumns.Count];
        var bytes = MemoryMarshal.AsBytes(vector.AsSpan());
        using (var bin = new FileStream(binPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20))
        {
            void Reject(Reject r)
            {
                rejects.Add(r);
                if (r.TrackId is { } id) rejectedIds.Add(id);
            }
            while (reader.TryReadNext(vector, Reject, out var trackId, out var width))
            {
                if ((reader.Rows & 1023) == 0) ct.ThrowIfCancellationRequested();
                var record = bytes[..(width * sizeof(double))];
                rows[trackId] = new LineRef(bin.Position, record.Length);
                bin.Write(record);
            }
        }
        // A track with a good row and a rejected duplicate keeps the good one.
        rejectedIds.ExceptWith(rows.Keys);
        return new FeaturesCsvTable(binPath, rows, rejectedIds, rejects);
    }

    /// <summary>One vector written by <see cref="Build"/>, read back by <see cref="LineReader"/>.</summary>
    public static double[] ParseRaw(ReadOnlySpan<byte> record)
    {
        if (record.Length != RecordBytes && record.Length != Dsp.AudioFeatures.ColumnNames.Count * sizeof(double))
            throw new InvalidDataException($"features-csv record has {record.Length} bytes, expected {RecordBytes}");
        return MemoryMarshal.Cast<byte, double>(record).ToArray();
    }
}
