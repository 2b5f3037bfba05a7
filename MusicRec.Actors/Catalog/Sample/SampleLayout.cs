using System.Globalization;
using System.Reflection;
using CsvHelper;

namespace MusicRec.Catalog.Sample;

/// <summary>Where each sample track sits: its id, album, artist and style. Small (a few ints per track).</summary>
internal readonly record struct TrackSlot(int Id, int AlbumId, int ArtistId, int Number, int StyleIndex);

/// <summary>
/// The shape of a sample catalogue: artists (each with a style), albums (each owned by an artist), and tracks
/// (mostly in albums, ~3% without, FMA's album id -1). Track ids rise with small gaps, like FMA's.
/// Everything else about an entity is regenerated on demand from its own seeded generator.
/// </summary>
internal sealed class SampleLayout
{
    public SampleLayout(int tracks, int seed, int? artists = null, int? albums = null)
    {
        Seed = seed;
        Tracks = tracks;
        Artists = Math.Max(1, artists ?? (int)Math.Round(tracks * 0.16));
        Albums = Math.Max(1, albums ?? (int)Math.Round(tracks * 0.141));
        AlbumOwners = Math.Max(1, Math.Min(Artists, (int)(Albums * 0.85)));
        var rng = SampleRng.For(seed, SampleRng.Stream.Layout, -1);
        _styleOffset = rng.Next(SampleStyle.All.Count);
        Slots = BuildSlots();
    }

    public int Seed { get; }
    public int Tracks { get; }
    public int Artists { get; }
    public int Albums { get; }
    /// <summary>Artists 1..AlbumOwners own the albums; the rest have only album-less tracks (or none, like many FMA artists).</summary>
    public int AlbumOwners { get; }
    public TrackSlot[] Slots { get; }

    /// <summary>Styles go round the artists from a seed-chosen start, so every genre gets its share even in small samples.</summary>
    public int ArtistStyle(int artistId) => (artistId - 1 + _styleOffset) % SampleStyle.All.Count;

    private readonly int _styleOffset;

    public int AlbumArtist(int albumId) => 1 + (int)((long)(albumId - 1) * AlbumOwners / Albums);

    private TrackSlot[] BuildSlots()
    {
        var slots = new TrackSlot[Tracks];
        var noAlbumEvery = 33;
        var albumTrackCount = Tracks - Tracks / noAlbumEvery;
        var rng = SampleRng.For(Seed, SampleRng.Stream.Layout, 0);
        int id = 1, inAlbum = 0, lastAlbum = 0, number = 0, loose = 0;
        for (var i = 0; i < Tracks; i++)
        {
            id += rng.Chance(0.4) ? 2 : 1;
            int albumId, artistId;
            if (i % noAlbumEvery == noAlbumEvery / 2 && Tracks >= noAlbumEvery)
            {
                albumId = -1;
                number = 0;
                artistId = AlbumOwners < Artists ? AlbumOwners + 1 + loose++ % (Artists - AlbumOwners) : 1 + rng.Next(Artists);
            }
            else
            {
                albumId = 1 + (int)((long)inAlbum++ * Albums / Math.Max(1, albumTrackCount));
                albumId = Math.Min(albumId, Albums);
                number = albumId == lastAlbum ? number + 1 : 1;
                lastAlbum = albumId;
                artistId = AlbumArtist(albumId);
            }
            slots[i] = new TrackSlot(id, albumId, artistId, number, ArtistStyle(artistId));
        }
        return slots;
    }
}

/// <summary>The real FMA genre tree (genres.csv, embedded), for sub-genres and ancestor lists.</summary>
internal sealed class SampleGenres
{
    /// <summary>
    /// Embedded copy of FMA's genres.csv (fma_metadata.zip, CC BY 4.0, Defferrard et al., "FMA: A Dataset For
    /// Music Analysis", ISMIR 2017, https://github.com/mdeff/fma), byte-identical to the official file.
    /// </summary>
    public const string ResourceName = "MusicRec.Catalog.Sample.fma_genres.csv";

    public static readonly SampleGenres Instance = new();

    private readonly Dictionary<int, (int Parent, string Title, int Top)> _genres = new();

    private SampleGenres()
    {
        Bytes = ReadResource();
        using var reader = CsvReader.Create(Bytes, new CsvReaderOptions { HasHeader = true });
        while (reader.Read())
            _genres[reader.Parse<int>(0)] = (reader.Parse<int>(2), reader.GetString(3), reader.Parse<int>(4));
        foreach (var style in SampleStyle.All)
            SubGenres[style.GenreId] = _genres.Where(g => g.Value.Top == style.GenreId).Select(g => g.Key).Order().ToArray();
    }

    public byte[] Bytes { get; }

    /// <summary>For each sample style's top-level genre: it and every genre under it, ascending.</summary>
    public Dictionary<int, int[]> SubGenres { get; } = new();

    public string Title(int id) => _genres[id].Title;

    /// <summary>The genres with all their ancestors, ascending (tracks.csv genres_all).</summary>
    public int[] WithAncestors(IEnumerable<int> genres)
    {
        var all = new SortedSet<int>();
        foreach (var g in genres)
            for (var id = g; id != 0 && all.Add(id); id = _genres[id].Parent) { }
        return [.. all];
    }

    private static byte[] ReadResource()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing from the build");
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }

    public static string Format(double value, string format = "0.######") => value.ToString(format, CultureInfo.InvariantCulture);
}
