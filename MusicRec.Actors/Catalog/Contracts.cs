namespace MusicRec.Catalog;

/// <summary>A row or file set aside, with why (rejects.csv: source,line,track_id,reason).</summary>
public sealed record Reject(string Source, long? Line, int? TrackId, string Reason);

/// <summary>A problem that stops the whole run: a required file or column is missing. One clear line for the user.</summary>
public sealed class CatalogException(string message) : Exception(message);

/// <summary>
/// Streams the merged catalogue (tracks joined with albums, artists, genres, echonest), one track at a time,
/// in tracks.csv order. Malformed rows and tracks without an audio file go to <paramref name="reject"/>;
/// a missing required file or column throws <see cref="CatalogException"/>.
/// </summary>
public interface ICatalogReader
{
    IEnumerable<TrackRecord> ReadTracks(Action<Reject> reject, CancellationToken ct = default);
}
