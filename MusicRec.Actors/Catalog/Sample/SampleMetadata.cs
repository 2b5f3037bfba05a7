using System.Globalization;
using CsvHelper;
using MusicRec.IO;
using MusicRec.Stores;

namespace MusicRec.Catalog.Sample;

/// <summary>Writes the fma_metadata CSVs of a sample catalogue in FMA's published layouts.</summary>
internal sealed class SampleMetadata(SampleLayout layout, double echonestFraction)
{
    private static readonly DateTime Epoch = new(2008, 11, 26, 1, 40, 0, DateTimeKind.Utc);

    // tracks.csv: FMA's two-level pandas header (group, column) then the 'track_id' index row.
    private static readonly (string Group, string[] Names)[] TrackColumns =
    [
        ("album", ["comments", "date_created", "date_released", "engineer", "favorites", "id", "information", "listens",
                   "producer", "tags", "title", "tracks", "type"]),
        ("artist", ["active_year_begin", "active_year_end", "associated_labels", "bio", "comments", "date_created",
                    "favorites", "id", "latitude", "location", "longitude", "members", "name", "related_projects",
                    "tags", "website", "wikipedia_page"]),
        ("set", ["split", "subset"]),
        ("track", ["bit_rate", "comments", "composer", "date_created", "date_recorded", "duration", "favorites",
                   "genre_top", "genres", "genres_all", "information", "interest", "language_code", "license",
                   "listens", "lyricist", "number", "publisher", "tags", "title"]),
    ];

    private static readonly string[] ArtistColumns =
    [
        "artist_id", "artist_active_year_begin", "artist_active_year_end", "artist_associated_labels", "artist_bio",
        "artist_comments", "artist_contact", "artist_date_created", "artist_donation_url", "artist_favorites",
        "artist_flattr_name", "artist_handle", "artist_image_file", "artist_images", "artist_latitude", "artist_location",
        "artist_longitude", "artist_members", "artist_name", "artist_paypal_name", "artist_related_projects", "artist_url",
        "artist_website", "artist_wikipedia_page", "tags",
    ];

    private static readonly string[] AlbumColumns =
    [
        "album_id", "album_comments", "album_date_created", "album_date_released", "album_engineer", "album_favorites",
        "album_handle", "album_image_file", "album_images", "album_information", "album_listens", "album_producer",
        "album_title", "album_tracks", "album_type", "album_url", "artist_name", "artist_url", "tags",
    ];

    // echonest.csv: three header levels (echonest / group / column) then the 'track_id' row.
    private static readonly (string Group, string[] Names)[] EchonestGroups =
    [
        ("audio_features", [.. TrackDocumentColumns.EchonestColumns]),
        ("metadata", ["album_date", "album_name", "artist_latitude", "artist_location", "artist_longitude", "artist_name", "release"]),
        ("ranks", ["artist_discovery_rank", "artist_familiarity_rank", "artist_hotttnesss_rank", "song_currency_rank", "song_hotttnesss_rank"]),
        ("social_features", ["artist_discovery", "artist_familiarity", "artist_hotttnesss", "song_currency", "song_hotttnesss"]),
        ("temporal_features", [.. Enumerable.Range(0, 224).Select(i => i.ToString("000", CultureInfo.InvariantCulture))]),
    ];

    private static readonly string[] Locations = ["New Jersey", "Brooklyn, NY", "Berlin", "Montréal, QC", "Lagos", "Tokyo", "São Paulo", ""];

    public static IReadOnlyList<string> TrackHeaderRow(int level) => level switch
    {
        0 => ["", .. TrackColumns.SelectMany(g => g.Names.Select(_ => g.Group))],
        1 => ["", .. TrackColumns.SelectMany(g => g.Names)],
        _ => ["track_id", .. TrackColumns.SelectMany(g => g.Names.Select(_ => ""))],
    };

    public void WriteGenres(string dir)
    {
        using var file = new AtomicFile(Path.Combine(dir, FmaCatalogReader.GenresFile));
        file.Stream.Write(SampleGenres.Instance.Bytes);
        file.Commit();
    }

    public void WriteArtists(string dir, CancellationToken ct)
    {
        WriteCsv(dir, FmaCatalogReader.ArtistsFile, csv =>
        {
            csv.WriteRecord(ArtistColumns);
            for (var id = 1; id <= layout.Artists; id++)
            {
                ct.ThrowIfCancellationRequested();
                var a = Artist(id);
                csv.WriteRecord(
                [
                    N(a.Id), a.YearBegin, a.YearEnd, a.Labels, a.Bio, N(a.Comments), a.Contact, a.DateCreated, "",
                    N(a.Favorites), "", a.Handle, "", "[]", a.Latitude, a.Location, a.Longitude, a.Members, a.Name, "",
                    a.RelatedProjects, $"http://freemusicarchive.org/music/{a.Handle}/", a.Website, "", a.Tags,
                ]);
            }
        });
    }

    public void WriteAlbums(string dir, CancellationToken ct)
    {
        WriteCsv(dir, FmaCatalogReader.AlbumsFile, csv =>
        {
            csv.WriteRecord(AlbumColumns);
            for (var id = 1; id <= layout.Albums; id++)
            {
                ct.ThrowIfCancellationRequested();
                var al = Album(id);
                var artist = Artist(al.ArtistId);
                csv.WriteRecord(
                [
                    N(al.Id), N(al.Comments), al.DateCreated, al.DateReleased, al.Engineer, N(al.Favorites), al.Handle, "", "[]",
                    al.Information, N(al.Listens), al.Producer, al.Title, N(al.Tracks), al.Type,
                    $"http://freemusicarchive.org/music/{artist.Handle}/{al.Handle}/", artist.Name,
                    $"http://freemusicarchive.org/music/{artist.Handle}/", al.Tags,
                ]);
            }
        });
    }

    public int WriteEchonest(string dir, CancellationToken ct)
    {
        var rows = 0;
        WriteCsv(dir, FmaCatalogReader.EchonestFile, csv =>
        {
            var columns = EchonestGroups.SelectMany(g => g.Names.Select(n => (g.Group, Name: n))).ToList();
            csv.WriteRecord(["", .. columns.Select(_ => "echonest")]);
            csv.WriteRecord(["", .. columns.Select(c => c.Group)]);
            csv.WriteRecord(["", .. columns.Select(c => c.Name)]);
            csv.WriteRecord(["track_id", .. columns.Select(_ => "")]);
            var row = new string[columns.Count + 1];
            foreach (var slot in layout.Slots)
            {
                ct.ThrowIfCancellationRequested();
                var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Echonest, slot.Id);
                if (!rng.Chance(echonestFraction)) continue;
                var style = SampleStyle.All[slot.StyleIndex];
                var plan = AudioPlanOf(slot);
                var artist = Artist(slot.ArtistId);
                var album = slot.AlbumId > 0 ? Album(slot.AlbumId) : null;
                var i = 0;
                row[i++] = N(slot.Id);
                foreach (var v in new[] { style.Acousticness, style.Danceability, style.Energy, style.Instrumentalness, 0.15, style.Speechiness })
                    row[i++] = F(Math.Clamp(v + rng.Range(-0.15, 0.15), 0, 1));
                row[i++] = F(plan.Bpm, "0.###");
                row[i++] = F(Math.Clamp(style.Valence + rng.Range(-0.2, 0.2), 0, 1));
                row[i++] = album is null ? "" : album.DateReleased[..4];
                row[i++] = album?.Title ?? "";
                row[i++] = artist.Latitude;
                row[i++] = artist.Location;
                row[i++] = artist.Longitude;
                row[i++] = artist.Name;
                row[i++] = album?.Title ?? "";
                for (var r = 0; r < 5; r++) row[i++] = rng.Chance(0.3) ? "" : N(rng.Range(1, 10000));
                for (var r = 0; r < 5; r++) row[i++] = F(rng.NextDouble());
                for (var r = 0; r < 224; r++) row[i++] = F(rng.Range(-1, 1) * (r < 12 ? 1 : r < 24 ? 60 : 10));
                csv.WriteRecord(row);
                rows++;
            }
        });
        return rows;
    }

    public void WriteTracks(string dir, CancellationToken ct)
    {
        WriteCsv(dir, FmaCatalogReader.TracksFile, csv =>
        {
            for (var level = 0; level < 3; level++) csv.WriteRecord([.. TrackHeaderRow(level)]);
            var row = new string[TrackHeaderRow(1).Count];
            ArtistInfo? artist = null;
            AlbumInfo? album = null;
            foreach (var slot in layout.Slots)
            {
                ct.ThrowIfCancellationRequested();
                if (artist?.Id != slot.ArtistId) artist = Artist(slot.ArtistId);
                if (slot.AlbumId > 0 && album?.Id != slot.AlbumId) album = Album(slot.AlbumId);
                var al = slot.AlbumId > 0 ? album : null;
                var t = Track(slot, al?.SubGenre);
                var i = 0;
                row[i++] = N(slot.Id);
                // album.*
                row[i++] = al is null ? "" : N(al.Comments);
                row[i++] = al?.DateCreated ?? "";
                row[i++] = al?.DateReleased ?? "";
                row[i++] = al?.Engineer ?? "";
                row[i++] = al is null ? "" : N(al.Favorites);
                row[i++] = N(slot.AlbumId);
                row[i++] = al?.Information ?? "";
                row[i++] = al is null ? "" : N(al.Listens);
                row[i++] = al?.Producer ?? "";
                row[i++] = al?.Tags ?? "[]";
                row[i++] = al?.Title ?? "";
                row[i++] = al is null ? "" : N(al.Tracks);
                row[i++] = al?.Type ?? "";
                // artist.*
                row[i++] = artist.YearBegin;
                row[i++] = artist.YearEnd;
                row[i++] = artist.Labels;
                row[i++] = artist.Bio;
                row[i++] = N(artist.Comments);
                row[i++] = artist.DateCreated;
                row[i++] = N(artist.Favorites);
                row[i++] = N(artist.Id);
                row[i++] = artist.Latitude;
                row[i++] = artist.Location;
                row[i++] = artist.Longitude;
                row[i++] = artist.Members;
                row[i++] = artist.Name;
                row[i++] = artist.RelatedProjects;
                row[i++] = artist.Tags;
                row[i++] = artist.Website;
                row[i++] = "";
                // set.*
                row[i++] = t.Split;
                row[i++] = t.Subset;
                // track.*
                row[i++] = N(t.BitRate);
                row[i++] = "0";
                row[i++] = t.Composer;
                row[i++] = t.DateCreated;
                row[i++] = t.DateRecorded;
                row[i++] = N(t.Duration);
                row[i++] = N(t.Favorites);
                row[i++] = t.GenreTop;
                row[i++] = "[" + string.Join(", ", t.Genres) + "]";
                row[i++] = "[" + string.Join(", ", t.GenresAll) + "]";
                row[i++] = t.Information;
                row[i++] = N(t.Interest);
                row[i++] = t.Language;
                row[i++] = t.License;
                row[i++] = N(t.Listens);
                row[i++] = "";
                row[i++] = N(slot.Number);
                row[i++] = "";
                row[i++] = t.Tags;
                row[i++] = t.Title;
                csv.WriteRecord(row);
            }
        });
    }

    public AudioPlan AudioPlanOf(TrackSlot slot)
    {
        var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Audio, slot.Id);
        return SampleStyle.All[slot.StyleIndex].Plan(ref rng);
    }

    private sealed record ArtistInfo(int Id, string Name, string Handle, string YearBegin, string YearEnd, string Labels, string Bio,
        int Comments, string Contact, string DateCreated, int Favorites, string Latitude, string Location, string Longitude,
        string Members, string RelatedProjects, string Tags, string Website);

    private sealed record AlbumInfo(int Id, int ArtistId, string Title, string Handle, int Comments, string DateCreated,
        string DateReleased, string Engineer, int Favorites, string Information, int Listens, string Producer, int Tracks,
        string Type, string Tags, int SubGenre);

    private sealed record TrackInfo(string Title, int Duration, int BitRate, string Composer, string DateCreated, string DateRecorded,
        int Favorites, string GenreTop, int[] Genres, int[] GenresAll, string Information, int Interest, string Language,
        string License, int Listens, string Tags, string Split, string Subset);

    private ArtistInfo Artist(int id)
    {
        var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Artist, id);
        var name = id % 41 == 3 ? SampleText.TrickyArtists[id / 41 % SampleText.TrickyArtists.Count] : SampleText.ArtistName(ref rng);
        var begin = rng.Chance(0.5) ? $"{rng.Range(1975, 2012)}-01-01 00:00:00" : "";
        var located = rng.Chance(0.7);
        return new ArtistInfo(id, name, SampleText.Handle(name) + "_" + N(id),
            YearBegin: begin,
            YearEnd: begin.Length > 0 && rng.Chance(0.15) ? $"{rng.Range(2012, 2017)}-01-01 00:00:00" : "",
            Labels: rng.Chance(0.3) ? $"{SampleText.Title(ref rng)} Records, {SampleText.Title(ref rng)}" : "",
            Bio: SampleText.Prose(ref rng, rng.Chance(0.2) ? 0 : rng.Range(50, 2900)), // sized so tracks.csv nears FMA's 250 MB at full size
            Comments: rng.Next(5),
            Contact: rng.Chance(0.5) ? SampleText.Person(ref rng) : "",
            DateCreated: Date(id * 977L),
            Favorites: rng.Next(60),
            Latitude: located ? F(rng.Range(-50, 60), "0.0######") : "",
            Location: rng.Pick(Locations),
            Longitude: located ? F(rng.Range(-120, 140), "0.0######") : "",
            Members: rng.Chance(0.5) ? $"{SampleText.Person(ref rng)}, {SampleText.Person(ref rng)}" : "",
            RelatedProjects: rng.Chance(0.2) ? SampleText.Prose(ref rng, 80) : "",
            Tags: SampleText.Tags(ref rng),
            Website: rng.Chance(0.6) ? $"http://www.example.com/{SampleText.Handle(name).ToLowerInvariant()}" : "");
    }

    private AlbumInfo Album(int id)
    {
        var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Album, id);
        var artistId = layout.AlbumArtist(id);
        var style = SampleStyle.All[layout.ArtistStyle(artistId)];
        var title = SampleText.Title(ref rng);
        var created = id * 3001L;
        var subGenres = SampleGenres.Instance.SubGenres[style.GenreId];
        return new AlbumInfo(id, artistId, title, SampleText.Handle(title),
            Comments: rng.Next(3),
            DateCreated: Date(created),
            DateReleased: $"{rng.Range(1995, 2017)}-{rng.Range(1, 12):00}-{rng.Range(1, 28):00} 00:00:00",
            Engineer: rng.Chance(0.2) ? SampleText.Person(ref rng) : "",
            Favorites: rng.Next(20),
            Information: rng.Chance(0.3) ? "<p></p>" : SampleText.Prose(ref rng, rng.Range(30, 1200)),
            Listens: rng.Range(100, 90000),
            Producer: rng.Chance(0.2) ? SampleText.Person(ref rng) : "",
            Tracks: rng.Range(1, 14),
            Type: rng.Pick(["Album", "Album", "Single Tracks", "Live Performance", "Radio Program"]),
            Tags: SampleText.Tags(ref rng),
            SubGenre: rng.Chance(0.3) ? style.GenreId : rng.Pick(subGenres));
    }

    private TrackInfo Track(TrackSlot slot, int? albumSubGenre)
    {
        var rng = SampleRng.For(layout.Seed, SampleRng.Stream.Track, slot.Id);
        var style = SampleStyle.All[slot.StyleIndex];
        var index = slot.Id; // tricky titles spread through the catalogue
        var title = index % 37 == 5 ? SampleText.TrickyTitles[index / 37 % SampleText.TrickyTitles.Count] : SampleText.Title(ref rng);
        int[] genres = [albumSubGenre ?? rng.Pick(SampleGenres.Instance.SubGenres[style.GenreId])];
        var genreTop = style.Title;
        var oddity = rng.NextDouble();
        if (oddity < 0.02)
        {
            // Genres under two top levels: FMA leaves genre_top empty for these.
            var other = SampleStyle.All[(slot.StyleIndex + 1 + rng.Next(SampleStyle.All.Count - 1)) % SampleStyle.All.Count];
            genres = [genres[0], rng.Pick(SampleGenres.Instance.SubGenres[other.GenreId])];
            genreTop = "";
        }
        else if (oddity < 0.03)
        {
            genres = []; // genre-less track (it still has audio)
            genreTop = "";
        }
        var subset = rng.NextDouble();
        var split = rng.NextDouble();
        return new TrackInfo(title,
            Duration: rng.Range(90, 420),
            BitRate: rng.Pick([128000, 192000, 256000, 320000]),
            Composer: rng.Chance(0.1) ? SampleText.Person(ref rng) : "",
            DateCreated: Date(slot.Id * 613L + 60),
            DateRecorded: rng.Chance(0.3) ? $"{rng.Range(1990, 2016)}-01-01 00:00:00" : "",
            Favorites: rng.Next(10),
            GenreTop: genreTop,
            Genres: genres,
            GenresAll: SampleGenres.Instance.WithAncestors(genres),
            Information: rng.Chance(0.9) ? "" : SampleText.Prose(ref rng, 120),
            Interest: rng.Range(10, 20000),
            Language: rng.Chance(0.6) ? "en" : "",
            License: rng.Pick(["Attribution-NonCommercial-ShareAlike 3.0 International", "Attribution 4.0 International", "Attribution-NonCommercial-NoDerivatives (aka Music Sharing) 3.0 International"]),
            Listens: rng.Range(10, 50000),
            Tags: SampleText.Tags(ref rng),
            Split: split < 0.8 ? "training" : split < 0.9 ? "validation" : "test",
            Subset: subset < 0.1 ? "small" : subset < 0.3 ? "medium" : "large");
    }

    private static string Date(long secondsAfterEpoch) =>
        Epoch.AddSeconds(secondsAfterEpoch % (9L * 365 * 24 * 3600)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value, string format = "0.######") => value.ToString(format, CultureInfo.InvariantCulture);

    private static void WriteCsv(string dir, string name, Action<CsvWriter> write)
    {
        using var file = new AtomicFile(Path.Combine(dir, name));
        using (var csv = AtomicCsvFile.Create(file.Stream)) write(csv);
        file.Commit();
    }
}
