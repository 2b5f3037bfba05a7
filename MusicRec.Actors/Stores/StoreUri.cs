using System.Text.RegularExpressions;

namespace MusicRec.Stores;

public enum StoreKind { Sqlite, Mongo }

/// <summary>A problem with the store the user can act on (bad URI, missing or empty store): one clear line.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Where the catalogue lives: <c>sqlite:PATH</c> (embedded default) or
/// <c>mongodb://[user:pass@]HOST:PORT/DB?collection=COLL</c> (also <c>mongodb+srv://</c>; defaults MYDB / MTDATA).
/// <see cref="ToString"/> and <see cref="Describe"/> never show a password.
/// </summary>
public sealed partial record StoreUri
{
    public const string DefaultDatabase = "MYDB";
    public const string DefaultCollection = "MTDATA";
    public const string StoreVariable = "MUSICREC_STORE";
    public const string MongoUrlVariable = "MUSICREC_MONGO_URL";

    private StoreUri(StoreKind kind, string raw) { Kind = kind; Raw = raw; }

    public StoreKind Kind { get; }
    /// <summary>The URI as given, password included: hand it to a driver, never print it.</summary>
    public string Raw { get; }
    /// <summary>Full path of the SQLite file (Sqlite only).</summary>
    public string SqlitePath { get; private init; } = "";
    /// <summary>The connection string for the driver, without the non-standard <c>collection</c> option (Mongo only).</summary>
    public string MongoConnectionString { get; private init; } = "";
    public string Database { get; private init; } = "";
    public string Collection { get; private init; } = "";

    public static StoreUri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var text = uri.Trim();
        if (text.Length == 0) throw new StoreException("the store URI is empty; use sqlite:PATH or mongodb://HOST:PORT/MYDB?collection=MTDATA");
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            // Accept sqlite:///abs/path and sqlite://rel as well as sqlite:PATH.
            if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];
            if (path.Length == 0) throw new StoreException($"the store URI '{text}' names no file; use sqlite:PATH, e.g. sqlite:./musicrec.db");
            return new StoreUri(StoreKind.Sqlite, text) { SqlitePath = Path.GetFullPath(path) };
        }
        if (text.StartsWith("mongodb://", StringComparison.OrdinalIgnoreCase) ||
            text.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase))
            return ParseMongo(text);
        var scheme = text.Contains(':') ? text[..text.IndexOf(':')] : text;
        throw new StoreException(
            $"unknown store scheme '{Mask(scheme)}' in '{Mask(text)}'; use sqlite:PATH or mongodb://[user:pass@]HOST:PORT/DB?collection=COLL (or mongodb+srv://)");
    }

    private static StoreUri ParseMongo(string text)
    {
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal) + 3;
        var queryStart = text.IndexOf('?', schemeEnd);
        var beforeQuery = queryStart < 0 ? text : text[..queryStart];
        var query = queryStart < 0 ? "" : text[(queryStart + 1)..];
        // The authority ends at the first '/' after the credentials ('@' may not appear in a masked password).
        var at = beforeQuery.LastIndexOf('@');
        var slash = beforeQuery.IndexOf('/', Math.Max(schemeEnd, at + 1));
        var hosts = slash < 0 ? beforeQuery[(Math.Max(schemeEnd, at + 1))..] : beforeQuery[(Math.Max(schemeEnd, at + 1))..slash];
        if (hosts.Length == 0) throw new StoreException($"the store URI '{Mask(text)}' names no host; use mongodb://HOST:PORT/MYDB?collection=MTDATA");
        var database = slash < 0 ? "" : Uri.UnescapeDataString(beforeQuery[(slash + 1)..]);
        if (database.Length == 0) database = DefaultDatabase;
        if (database.IndexOfAny(['/', '\\', '.', ' ', '"', '$']) >= 0)
            throw new StoreException($"the database name '{database}' in '{Mask(text)}' is not valid for MongoDB");

        var collection = DefaultCollection;
        var kept = new List<string>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            if (key.Equals("collection", StringComparison.OrdinalIgnoreCase))
            {
                collection = Uri.UnescapeDataString(eq < 0 ? "" : part[(eq + 1)..]);
                if (collection.Length == 0 || collection.Contains('$'))
                    throw new StoreException($"the collection name in '{Mask(text)}' is empty or not valid");
            }
            else kept.Add(part);
        }
        // The driver gets the URI without our own 'collection' option (it is not a MongoDB connection option).
        var driverUri = slash < 0 ? beforeQuery + "/" : beforeQuery;
        if (kept.Count > 0) driverUri += "?" + string.Join('&', kept);
        return new StoreUri(StoreKind.Mongo, text)
        {
            MongoConnectionString = driverUri, Database = database, Collection = collection,
        };
    }

    /// <summary>
    /// Which store to use: an explicit <c>--store</c>, else MUSICREC_STORE, else MUSICREC_MONGO_URL, else the
    /// caller's default (<c>sqlite:OUT/musicrec.db</c> for etl, <c>sqlite:./musicrec.db</c> otherwise).
    /// </summary>
    public static StoreUri Resolve(string? explicitStore, string defaultUri, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var chosen = FirstNonEmpty(explicitStore, environment(StoreVariable), environment(MongoUrlVariable), defaultUri);
        return Parse(chosen!);
    }

    /// <summary>The default for commands other than etl: <c>sqlite:./musicrec.db</c>.</summary>
    public const string DefaultSqlite = "sqlite:./musicrec.db";

    /// <summary>The default for etl: <c>sqlite:OUT/musicrec.db</c>.</summary>
    public static string DefaultForEtl(string outDir) => "sqlite:" + Path.Combine(outDir, "musicrec.db");

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>Text for logs and errors: the password (if any) replaced by <c>***</c>.</summary>
    public string Describe() => Kind == StoreKind.Sqlite
        ? $"sqlite:{SqlitePath}"
        : MaskedMongo();

    public override string ToString() => Describe();

    private string MaskedMongo() => $"{Mask(MongoConnectionString)} (database {Database}, collection {Collection})";

    /// <summary>The same MongoDB server and database with another collection (tests use one collection each).</summary>
    public StoreUri WithCollection(string collection) => Kind == StoreKind.Mongo
        ? this with { Collection = collection }
        : throw new InvalidOperationException("only a MongoDB store has collections");

    /// <summary>Replaces the password of <c>scheme://user:password@host</c> by <c>***</c>; anything else is returned as is.</summary>
    public static string Mask(string text) => CredentialPattern().Replace(text, "$1$2:***@");

    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.\-]*://)([^:@/?#\s]*):[^@/?#\s]*@")]
    private static partial Regex CredentialPattern();
}
