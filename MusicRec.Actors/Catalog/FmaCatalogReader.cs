using System.Globalization;
using MusicRec.Catalog.Features;
using MusicRec.Stores;

namespace MusicRec.Catalog;

/// <summary>
/// Reads a catalogue in the Free Music Archive layout (fma_metadata/*.csv plus fma_audio/XXX/XXXXXX.mp3) and
/// streams the merged tracks: tracks.csv (three header rows) joined with raw_albums.csv, raw_artists.csv,
/// genres.csv/raw_genres.csv and echonest.csv (four header rows).
/// <para>
/// tracks.csv is streamed (the real one is 250 MB); the side tables are held in dictionaries of only the
/// fields the merge needs. tracks.csv and genres.csv are required (missing file or column:
/// <see cref="CatalogException"/>); the other files are joined when present (missing: a warning).
/// Album title and artist name come from raw_albums/raw_artists when those list the id, otherwise from
/// the copies in tracks.csv.
/// </para>
/// </summary>
public sealed class FmaCatalogReader : ICatalogReader
{
    public const string TracksFile = "tracks.csv";
    public const string GenresFile = "genres.csv";
    public const string RawGenresFile = "raw_genres.csv";
    public const string AlbumsFile = "raw_albums.csv";
    public const string ArtistsFile = "raw_artists.csv";
    public const string EchonestFile = "echonest.csv";

    /// <summary>Audio extensions tried, in this order, for <c>XXX/XXXXXX.ext</c>.</summary>
    public static readonly IReadOnlyList<string> AudioExtensions = [".mp3", ".wav", ".ogg"];

    /// <summary>The tracks.csv columns the merge reads (besides track_id).</summary>
    public static readonly IReadOnlyList<string> RequiredTrackColumns =
    [
        "track.title", "artist.id", "artist.name", "album.id", "album.title",
        "track.genre_top", "track.genres", "track.genres_all", "track.duration", "set.subset",
    ];

    private readonly string _metadataDir;
    private readonly string _audioDir;
    private readonly Action<string> _warn;
    private readonly FeatureSourceMode _features;

    /// <param name="features">Audio: a track without an audio file is a reject here. Auto: it is yielded with no
    /// <see cref="TrackRecord.FileName"/> (its features may come from features.csv). Csv: audio is not looked up.</param>
    public FmaCatalogReader(string metadataDir, string audioDir, Action<string> warn, FeatureSourceMode features = FeatureSourceMode.Audio)
    {
        _metadataDir = metadataDir;
        _audioDir = audioDir;
        _warn = warn;
        _features = features;
    }

    /// <summary>FMA's path for a track: the 6-digit id, its first 3 digits as the folder (<c>000/000002</c>), no extension.</summary>
    public static string AudioStem(int trackId)
    {
        var id = trackId.ToString("D6", CultureInfo.InvariantCulture);
        return $"{id[..3]}/{id}";
    }

    public IEnumerable<TrackRecord> ReadTracks(Action<Reject> reject, CancellationToken ct = default)
    {
        // Checked eagerly, so a missing required file or column throws at the call, not at the first MoveNext.
        var tracksPath = RequiredFile(TracksFile);
        var genresPath = RequiredFile(GenresFile);
        return ReadTracksCore(tracksPath, genresPath, reject, ct);
    }

    private IEnumerable<TrackRecord> ReadTracksCore(string tracksPath, string genresPath, Action<Reject> reject, CancellationToken ct)
    {
        var genres = GenreTree.Load(genresPath, OptionalFile(RawGenresFile, "genre titles come from genres.csv only"), reject, _warn);
        using var source = CsvRecordSource.Open(tracksPath);
        var columns = CsvHeaders.ReadMultiRow(source, maxRows: 5, out var fieldCount)
            ?? throw new CatalogException($"{TracksFile}: not the FMA layout (expected header rows ending with a 'track_id' row within the first 5 rows)");
        var missing = CsvHeaders.Missing(columns, RequiredTrackColumns);
        if (missing.Count > 0)
            throw new CatalogException($"{TracksFile}: missing column(s) {string.Join(", ", missing)} (expected FMA's three header rows, e.g. 'track' over 'title')");

        var albums = LoadTitles(AlbumsFile, "album_id", "album_title", "album titles come from tracks.csv", reject);
        var artists = LoadTitles(ArtistsFile, "artist_id", "artist_name", "artist names come from tracks.csv", reject);
        var echonest = LoadEchonest(reject);
        if (_features == FeatureSourceMode.Audio && !Directory.Exists(_audioDir))
            _warn($"audio folder {_audioDir} does not exist: every track will be rejected with 'no audio file'");
        var audio = new AudioResolver(_audioDir);
        var seen = new Dictionary<int, long>();
        var col = new TrackColumns(columns);

        while (source.Read())
        {
            ct.ThrowIfCancellationRequested();
            var line = source.Line;
            int? idOrNull = source.TryGetInt(0, out var parsedId) ? parsedId : null;
            if (source.Malformation is { } bad)
            {
                reject(new Reject(TracksFile, line, idOrNull, bad));
                continue;
            }
            if (source.FieldCount != fieldCount)
            {
                reject(new Reject(TracksFile, line, idOrNull, source.FieldCount < fieldCount
                    ? $"truncated row: {source.FieldCount} of {fieldCount} fields"
                    : $"malformed row: {source.FieldCount} fields, expected {fieldCount}"));
                continue;
            }
            if (idOrNull is not { } trackId || trackId <= 0)
            {
                reject(new Reject(TracksFile, line, idOrNull, $"track_id is not a positive integer: '{source.Excerpt(0)}'"));
                continue;
            }
            if (seen.TryGetValue(trackId, out var firstLine))
            {
                reject(new Reject(TracksFile, line, trackId, $"duplicate track_id {trackId} (first on line {firstLine})"));
                continue;
            }
            seen[trackId] = line;

            if (ParseTrack(source, col, trackId, genres, albums, artists, echonest, out var error) is not { } track)
            {
                reject(new Reject(TracksFile, line, trackId, error));
                continue;
            }
            var file = _features == FeatureSourceMode.Csv ? null : audio.Find(trackId);
            if (file is null && _features != FeatureSourceMode.Audio)
            {
                yield return track;
                continue;
            }
            if (file is null)
            {
                reject(new Reject(TracksFile, line, trackId, $"no audio file (looked for {AudioStem(trackId)}.mp3|.wav|.ogg)"));
                continue;
            }
            yield return track with { FileName = file };
        }
    }

    private TrackRecord? ParseTrack(CsvRecordSource s, TrackColumns c, int trackId, GenreTree genres,
        Dictionary<int, string> albums, Dictionary<int, string> artists, Dictionary<int, double[]> echonest, out string error)
    {
        error = "";
        if (!TryOptionalInt(s, c.ArtistId, out var artistId)) return Fail(out error, $"artist.id is not an integer: '{s.Excerpt(c.ArtistId)}'");
        if (!TryOptionalInt(s, c.AlbumId, out var albumId)) return Fail(out error, $"album.id is not an integer: '{s.Excerpt(c.AlbumId)}'");
        if (albumId is < 0) albumId = null; // FMA uses -1 for "no album"
        if (!TryIntList(s.Get(c.Genres), out var genreIds)) return Fail(out error, $"track.genres is not a list of integers: '{s.Excerpt(c.Genres)}'");
        if (!TryIntList(s.Get(c.GenresAll), out var genresAll)) return Fail(out error, $"track.genres_all is not a list of integers: '{s.Excerpt(c.GenresAll)}'");
        double? duration = null;
        if (!s.Utf8(c.Duration).IsEmpty)
        {
            if (!double.TryParse(s.Utf8(c.Duration), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || d < 0)
                return Fail(out error, $"track.duration is not a number of seconds: '{s.Excerpt(c.Duration)}'");
            duration = d;
        }

        var (genreId, genreTop) = genres.Resolve(s.Get(c.GenreTop), genreIds, genresAll);
        var albumTitle = albumId is { } al && albums.TryGetValue(al, out var at) ? at : s.Get(c.AlbumTitle);
        var artistName = artistId is { } ar && artists.TryGetValue(ar, out var an) ? an : s.Get(c.ArtistName);
        IReadOnlyDictionary<string, double> echo = EmptyEchonest;
        if (echonest.TryGetValue(trackId, out var values))
        {
            var dict = new Dictionary<string, double>(values.Length);
            for (var i = 0; i < values.Length; i++)
                if (!double.IsNaN(values[i])) dict[TrackDocumentColumns.EchonestColumns[i]] = values[i];
            echo = dict;
        }

        return new TrackRecord
        {
            TrackId = trackId,
            Title = s.Get(c.Title),
            ArtistId = artistId,
            ArtistName = artistName,
            AlbumId = albumId,
            AlbumTitle = albumTitle,
            GenreId = genreId,
            GenreTop = genreTop,
            Genres = genreIds,
            GenresAll = genresAll,
            DurationSeconds = duration,
            Subset = s.Get(c.Subset),
            Echonest = echo,
        };

    }

    private static TrackRecord? Fail(out string error, string reason)
    {
        error = reason;
        return null;
    }

    private static readonly IReadOnlyDictionary<string, double> EmptyEchonest = new Dictionary<string, double>();

    private static bool TryOptionalInt(CsvRecordSource s, int index, out int? value)
    {
        value = null;
        if (s.Utf8(index).Trim((byte)' ').IsEmpty) return true;
        if (!s.TryGetInt(index, out var v)) return false;
        value = v;
        return true;
    }

    /// <summary>Parses FMA's Python-style list <c>[21, 76]</c>; an empty cell is an empty list.</summary>
    internal static bool TryIntList(string text, out int[] values)
    {
        values = [];
        var t = text.AsSpan().Trim();
        if (t.IsEmpty) return true;
        if (t.Length < 2 || t[0] != '[' || t[^1] != ']') return false;
        t = t[1..^1].Trim();
        if (t.IsEmpty) return true;
        var list = new List<int>(4);
        foreach (var range in t.Split(','))
        {
            if (!int.TryParse(t[range].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return false;
            list.Add(v);
        }
        values = [.. list];
        return true;
    }

    private string RequiredFile(string name)
    {
        var path = Path.Combine(_metadataDir, name);
        if (!File.Exists(path))
            throw new CatalogException($"{name} not found in {_metadataDir} (required: the FMA metadata folder holds tracks.csv and genres.csv)");
        return path;
    }

    private string? OptionalFile(string name, string consequence)
    {
        var path = Path.Combine(_metadataDir, name);
        if (File.Exists(path)) return path;
        _warn($"{name} not found in {_metadataDir}: {consequence}");
        return null;
    }

    /// <summary>id → title from a one-header-row side table (raw_albums.csv, raw_artists.csv); only the two fields kept.</summary>
    private Dictionary<int, string> LoadTitles(string file, string idColumn, string titleColumn, string consequence, Action<Reject> reject)
    {
        var titles = new Dictionary<int, string>();
        if (OptionalFile(file, consequence) is not { } path) return titles;
        using var source = CsvRecordSource.Open(path);
        var columns = CsvHeaders.ReadSingleRow(source, out _);
        var missing = CsvHeaders.Missing(columns, [idColumn, titleColumn]);
        if (missing.Count > 0)
        {
            _warn($"{file}: missing column(s) {string.Join(", ", missing)}; not used ({consequence})");
            return titles;
        }
        int id = columns![idColumn], title = columns[titleColumn];
        while (source.Read())
        {
            if (source.Malformation is { } bad) { reject(new Reject(file, source.Line, null, bad)); continue; }
            if (source.FieldCount <= Math.Max(id, title))
            {
                reject(new Reject(file, source.Line, null, $"truncated row: {source.FieldCount} fields"));
                continue;
            }
            if (!source.TryGetInt(id, out var key))
            {
                reject(new Reject(file, source.Line, null, $"{idColumn} is not an integer: '{source.Excerpt(id)}'"));
                continue;
            }
            if (!titles.TryAdd(key, source.Get(title)))
                reject(new Reject(file, source.Line, null, $"duplicate {idColumn} {key} (the first is kept)"));
        }
        return titles;
    }

    /// <summary>track id → the 8 echonest audio features (NaN where empty), in <see cref="TrackDocumentColumns.EchonestColumns"/> order.</summary>
    private Dictionary<int, double[]> LoadEchonest(Action<Reject> reject)
    {
        var result = new Dictionary<int, double[]>();
        if (OptionalFile(EchonestFile, "no echonest features") is not { } path) return result;
        using var source = CsvRecordSource.Open(path);
        var columns = CsvHeaders.ReadMultiRow(source, maxRows: 6, out var fieldCount);
        var wanted = TrackDocumentColumns.EchonestColumns.Select(n => $"echonest.audio_features.{n}").ToList();
        var missing = CsvHeaders.Missing(columns, wanted);
        if (columns is null || missing.Count > 0)
        {
            _warn($"{EchonestFile}: not the FMA layout (missing {(columns is null ? "the 'track_id' header row" : string.Join(", ", missing))}); not used");
            return result;
        }
        var indices = wanted.Select(w => columns[w]).ToArray();
        while (source.Read())
        {
            int? id = source.TryGetInt(0, out var parsed) ? parsed : null;
            if (source.Malformation is { } bad) { reject(new Reject(EchonestFile, source.Line, id, bad)); continue; }
            if (source.FieldCount < fieldCount)
            {
                reject(new Reject(EchonestFile, source.Line, id, $"truncated row: {source.FieldCount} of {fieldCount} fields"));
                continue;
            }
            if (id is not { } trackId)
            {
                reject(new Reject(EchonestFile, source.Line, null, $"track_id is not an integer: '{source.Excerpt(0)}'"));
                continue;
            }
            var values = new double[indices.Length];
            string? error = null;
            for (var i = 0; i < indices.Length && error is null; i++)
            {
                var cell = source.Utf8(indices[i]);
                if (cell.IsEmpty) values[i] = double.NaN;
                else if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                    error = $"{TrackDocumentColumns.EchonestColumns[i]} is not a number: '{source.Excerpt(indices[i])}'";
            }
            if (error is not null) reject(new Reject(EchonestFile, source.Line, trackId, error));
            else if (!result.TryAdd(trackId, values)) reject(new Reject(EchonestFile, source.Line, trackId, $"duplicate track_id {trackId} (the first is kept)"));
        }
        return result;
    }

    private sealed class TrackColumns(Dictionary<string, int> c)
    {
        public readonly int Title = c["track.title"], ArtistId = c["artist.id"], ArtistName = c["artist.name"],
            AlbumId = c["album.id"], AlbumTitle = c["album.title"], GenreTop = c["track.genre_top"],
            Genres = c["track.genres"], GenresAll = c["track.genres_all"], Duration = c["track.duration"], Subset = c["set.subset"];
    }

    /// <summary>Finds <c>XXX/XXXXXX.mp3|.wav|.ogg</c> under the audio root; '/' separators in the result.</summary>
    private sealed class AudioResolver(string audioDir)
    {
        public string? Find(int trackId)
        {
            var stem = AudioStem(trackId);
            foreach (var ext in AudioExtensions)
            {
                var relative = stem + ext;
                if (File.Exists(Path.Combine(audioDir, relative))) return relative;
            }
            return null;
        }
    }
}
