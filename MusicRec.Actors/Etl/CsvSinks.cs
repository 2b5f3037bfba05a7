using MusicRec.Catalog;
using MusicRec.Stores;

namespace MusicRec.Etl;

/// <summary>The catalogue's <see cref="FinalCsvWriter"/> as the ETL's final.csv sink.</summary>
public sealed class FinalCsvSink(string path) : IFinalCsvSink
{
    private readonly FinalCsvWriter _writer = new(path);

    public void Write(TrackRecord track, TrackDocument document) => _writer.Write(track, document);
    public void Commit() => _writer.Commit();
    public void Dispose() => _writer.Dispose();
}

/// <summary>The catalogue's <see cref="RejectsCsvWriter"/> as the ETL's rejects.csv sink.</summary>
public sealed class RejectsCsvSink(string path) : IRejectsSink
{
    private readonly RejectsCsvWriter _writer = new(path);

    public void Write(Reject reject) => _writer.Write(reject);
    public void Commit() => _writer.Commit();
    public void Dispose() => _writer.Dispose();
}
