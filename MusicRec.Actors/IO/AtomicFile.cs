namespace MusicRec.IO;

/// <summary>
/// Writes a file under a temporary name in the same folder and renames it into place on <see cref="Commit"/>,
/// so a crash never leaves a file that looks finished. Disposing without committing deletes the temporary file.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;

    public AtomicFile(string path)
    {
        FinalPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(FinalPath)!);
        TempPath = Path.Combine(Path.GetDirectoryName(FinalPath)!,
            $".{Path.GetFileName(FinalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public string FinalPath { get; }
    public string TempPath { get; }
    public FileStream Stream { get; }

    /// <summary>Flushes to disk and atomically replaces the final file.</summary>
    public void Commit()
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Stream.Dispose();
        try { File.Delete(TempPath); }
        catch (IOException) { /* best effort: the temporary name never looks finished anyway */ }
    }
}
