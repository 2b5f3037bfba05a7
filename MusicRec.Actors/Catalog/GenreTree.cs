namespace MusicRec.Catalog;

/// <summary>
/// The FMA genre tree (genres.csv: genre_id, parent, title, top_level), completed by raw_genres.csv for ids
/// genres.csv lacks (their top level found by walking genre_parent_id). Answers "which top-level genre is this".
/// </summary>
internal sealed class GenreTree
{
    private readonly Dictionary<int, Genre> _genres;
    private readonly Dictionary<string, int> _topLevelByTitle;

    private GenreTree(Dictionary<int, Genre> genres)
    {
        _genres = genres;
        _topLevelByTitle = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, g) in genres.OrderBy(kv => kv.Key))
            if (g.TopLevel == id) _topLevelByTitle.TryAdd(g.Title, id);
    }

    public int Count => _genres.Count;

    public string Title(int genreId) => _genres.TryGetValue(genreId, out var g) ? g.Title : "";

    public int? TopLevelOf(int genreId) => _genres.TryGetValue(genreId, out var g) ? g.TopLevel : null;

    public int? TopLevelByTitle(string title) => _topLevelByTitle.TryGetValue(title.Trim(), out var id) ? id : null;

    /// <summary>
    /// The track's top-level genre: its <c>genre_top</c> title when the tree knows it, otherwise the top level of
    /// the first of its genres (then of its genres_all) that the tree knows. FMA leaves genre_top empty when a
    /// track's genres span several top levels; taking the first listed genre keeps such tracks recommendable.
    /// </summary>
    public (int? Id, string Title) Resolve(string genreTop, IReadOnlyList<int> genres, IReadOnlyList<int> genresAll)
    {
        if (genreTop.Length > 0 && TopLevelByTitle(genreTop) is { } byTitle) return (byTitle, Title(byTitle));
        foreach (var list in new[] { genres, genresAll })
            foreach (var g in list)
                if (TopLevelOf(g) is { } top) return (top, Title(top));
        return (null, genreTop);
    }

    public static GenreTree Load(string genresPath, string? rawGenresPath, Action<Reject> reject, Action<string> warn)
    {
        var genres = new Dictionary<int, Genre>();
        using (var source = CsvRecordSource.Open(genresPath))
        {
            var columns = CsvHeaders.ReadSingleRow(source, out _);
            var missing = CsvHeaders.Missing(columns, ["genre_id", "parent", "title", "top_level"]);
            if (missing.Count > 0)
                throw new CatalogException($"{source.FileName}: missing column(s) {string.Join(", ", missing)} (expected the FMA genres.csv header genre_id,#tracks,parent,title,top_level)");
            int id = columns!["genre_id"], parent = columns["parent"], title = columns["title"], top = columns["top_level"];
            while (source.Read())
            {
                if (source.Malformation is { } bad) { reject(new Reject(source.FileName, source.Line, null, bad)); continue; }
                if (!source.TryGetInt(id, out var gid) || !source.TryGetInt(parent, out var pid) || !source.TryGetInt(top, out var tid))
                {
                    reject(new Reject(source.FileName, source.Line, null,
                        $"genre_id, parent and top_level must be integers (got '{source.Excerpt(id)}', '{source.Excerpt(parent)}', '{source.Excerpt(top)}')"));
                    continue;
                }
                if (!genres.TryAdd(gid, new Genre(pid, source.Get(title), tid)))
                    reject(new Reject(source.FileName, source.Line, null, $"duplicate genre_id {gid}"));
            }
        }
        if (genres.Count == 0) throw new CatalogException($"{Path.GetFileName(genresPath)}: no genres (the genre tree is required)");

        if (rawGenresPath is null) return new GenreTree(genres);
        using (var source = CsvRecordSource.Open(rawGenresPath))
        {
            var columns = CsvHeaders.ReadSingleRow(source, out _);
            var missing = CsvHeaders.Missing(columns, ["genre_id", "genre_parent_id", "genre_title"]);
            if (missing.Count > 0)
            {
                warn($"{source.FileName}: missing column(s) {string.Join(", ", missing)}; not used");
                return new GenreTree(genres);
            }
            int id = columns!["genre_id"], parent = columns["genre_parent_id"], title = columns["genre_title"];
            var extra = new Dictionary<int, (int Parent, string Title)>();
            while (source.Read())
            {
                if (source.Malformation is { } bad) { reject(new Reject(source.FileName, source.Line, null, bad)); continue; }
                if (!source.TryGetInt(id, out var gid))
                {
                    reject(new Reject(source.FileName, source.Line, null, $"genre_id is not an integer: '{source.Excerpt(id)}'"));
                    continue;
                }
                var pid = source.Utf8(parent).IsEmpty ? 0 : source.TryGetInt(parent, out var p) ? p : -1;
                if (pid < 0)
                {
                    reject(new Reject(source.FileName, source.Line, null, $"genre_parent_id is not an integer: '{source.Excerpt(parent)}'"));
                    continue;
                }
                if (!genres.ContainsKey(gid)) extra.TryAdd(gid, (pid, source.Get(title)));
            }
            foreach (var (gid, (pid, t)) in extra)
                if (TopLevelWalk(gid, genres, extra) is { } top) genres[gid] = new Genre(pid, t, top);
        }
        return new GenreTree(genres);
    }

    private static int? TopLevelWalk(int id, Dictionary<int, Genre> known, Dictionary<int, (int Parent, string Title)> extra)
    {
        for (var hops = 0; hops < 64; hops++)
        {
            if (known.TryGetValue(id, out var g)) return g.TopLevel;
            if (!extra.TryGetValue(id, out var e)) return null;
            if (e.Parent == 0) return id;
            id = e.Parent;
        }
        return null; // a cycle in raw_genres: leave the genre unknown rather than guess
    }

    private readonly record struct Genre(int Parent, string Title, int TopLevel);
}
