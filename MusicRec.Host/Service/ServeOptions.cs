using Akka.Actor;
using MusicRec.Host.Commands;
using MusicRec.Web.Security;

namespace MusicRec.Host.Service;

/// <summary>
/// Everything `musicrec serve` needs, resolved from the command line first, then MUSICREC_* environment
/// variables, then defaults (SPEC.md). Validation happens here so a bad value is one clear stderr line.
/// </summary>
internal sealed record ServeOptions
{
    public const string ActorSystemName = "musicrec";
    public const string DefaultStore = "sqlite:./musicrec.db";
    public const string DefaultWebUrl = "http://127.0.0.1:5080";
    public const string DefaultClusterHost = "127.0.0.1";

    public required string Store { get; init; }
    /// <summary>Kafka bootstrap servers; null runs on the in-process bus.</summary>
    public string? Kafka { get; init; }
    public IReadOnlyDictionary<string, string> KafkaProperties { get; init; } = new Dictionary<string, string>();
    /// <summary>The web page's URL; null with --no-web.</summary>
    public string? WebUrl { get; init; }
    /// <summary>Where /healthz, /readyz, /metrics and /api/admin listen when the web page is off; null for none.</summary>
    public string? AdminUrl { get; init; }
    public required string ClusterHost { get; init; }
    public int ClusterPort { get; init; }
    public IReadOnlyList<Address> SeedNodes { get; init; } = [];
    /// <summary>PostgreSQL connection string of the shared journal; null keeps the node's own SQLite journal.</summary>
    public string? Journal { get; init; }
    /// <summary>SQLite journal file used when <see cref="Journal"/> is null.</summary>
    public required string LocalJournalPath { get; init; }
    /// <summary>Optional extra HOCON file layered over hocon/musicrec.hocon.</summary>
    public string? ExtraHoconFile { get; init; }
    /// <summary>The API key; null leaves every endpoint open, so the HTTP listener must be loopback.</summary>
    public ApiKey? ApiKey { get; init; }

    /// <summary>The address other nodes reach this one at (port 0 means "any free port", known only once bound).</summary>
    public Address SelfAddress => new("akka.tcp", ActorSystemName, ClusterHost, ClusterPort);

    /// <summary>True when the seed list names a node other than this one, i.e. this node is part of a multi-node cluster.</summary>
    public bool JoinsOtherNodes => SeedNodes.Any(s => !(ClusterPort != 0 && s.Equals(SelfAddress)));

    public static ServeOptions Resolve(
        string? store, string? kafka, IReadOnlyList<string> kafkaProperties, string? webUrl, bool noWeb,
        string? adminUrl, string? clusterHost, int? clusterPort, IReadOnlyList<string> seedNodes, string? journal,
        Func<string, string?>? environment = null, string? apiKey = null, string? apiKeyFile = null)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        string? Env(string name) => string.IsNullOrWhiteSpace(env(name)) ? null : env(name)!.Trim();

        var port = clusterPort ?? ParsePort(Env("MUSICREC_CLUSTER_PORT"), "MUSICREC_CLUSTER_PORT");
        if (port is < 0 or > 65535)
            throw new CliException($"--cluster-port {port} is not a TCP port (0..65535; 0 picks a free one).");

        var seeds = seedNodes.Count > 0
            ? seedNodes
            : (Env("MUSICREC_SEED_NODES") ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries);
        var seedAddresses = seeds.Select(ParseSeed).ToList();

        var web = noWeb ? null : webUrl ?? Env("MUSICREC_WEB_URL") ?? DefaultWebUrl;
        if (web is not null) CheckHttpUrl(web, "--web");
        var admin = adminUrl ?? Env("MUSICREC_ADMIN_URL");
        if (admin is not null) CheckHttpUrl(admin, "--admin-url");

        var options = new ServeOptions
        {
            Store = store ?? Env("MUSICREC_STORE") ?? DefaultStore,
            Kafka = kafka ?? Env("MUSICREC_KAFKA"),
            KafkaProperties = ParseKafkaProperties(kafkaProperties),
            WebUrl = web,
            AdminUrl = admin,
            ClusterHost = clusterHost ?? Env("MUSICREC_CLUSTER_HOST") ?? DefaultClusterHost,
            ClusterPort = port ?? 0,
            SeedNodes = seedAddresses,
            Journal = journal ?? Env("MUSICREC_JOURNAL"),
            LocalJournalPath = Env("MUSICREC_LOCAL_JOURNAL") ?? "./musicrec-journal.db",
            ExtraHoconFile = Env("MUSICREC_HOCON"),
            ApiKey = ResolveApiKey(apiKey ?? Env("MUSICREC_API_KEY"), apiKeyFile ?? Env("MUSICREC_API_KEY_FILE")),
        };
        if (options.ApiKey is null)
            foreach (var (url, option) in new[] { (web, "--web"), (admin, "--admin-url") })
                if (url is not null && !ApiKey.IsLoopbackUrl(url))
                    throw new CliException(
                        $"{option} {url} listens beyond this machine, and no API key is set: give --api-key KEY, --api-key-file FILE " +
                        "or MUSICREC_API_KEY (admin endpoints, the dashboard and activity writes then need it), or listen on 127.0.0.1.");
        if (options.JoinsOtherNodes && options.Journal is null)
            throw new CliException(
                "a node that joins other nodes needs the shared PostgreSQL journal: give --journal CONNECTION or set MUSICREC_JOURNAL " +
                "(a per-node SQLite journal would lose a user's state when the user moves to another node).");
        if (options.ExtraHoconFile is not null && !File.Exists(options.ExtraHoconFile))
            throw new CliException($"MUSICREC_HOCON names {options.ExtraHoconFile}, which does not exist.");
        return options;
    }

    private static ApiKey? ResolveApiKey(string? key, string? file)
    {
        if (key is not null && file is not null)
            throw new CliException("give the API key once: --api-key (MUSICREC_API_KEY) or --api-key-file (MUSICREC_API_KEY_FILE), not both.");
        if (file is not null)
        {
            try { key = File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read the API key file {file}: {e.Message}");
            }
        }
        if (key is null) return null;
        try { return ApiKey.Create(key); }
        catch (ArgumentException e) { throw new CliException($"{(file is null ? "--api-key" : $"--api-key-file {file}")}: {e.Message}."); }
    }

    private static int? ParsePort(string? value, string name)
    {
        if (value is null) return null;
        return int.TryParse(value, out var p) ? p : throw new CliException($"{name}={value} is not a port number.");
    }

    private static Address ParseSeed(string seed)
    {
        try
        {
            var address = Address.Parse(seed.Trim());
            if (string.IsNullOrEmpty(address.Host) || address.Port is null or <= 0)
                throw new UriFormatException("host and port are required");
            if (address.System != ActorSystemName)
                throw new UriFormatException($"the actor system is called '{ActorSystemName}'");
            return address;
        }
        catch (Exception e) when (e is UriFormatException or FormatException or ArgumentException)
        {
            throw new CliException(
                $"seed node '{seed}' is not an address like akka.tcp://{ActorSystemName}@127.0.0.1:4053 ({e.Message}).");
        }
    }

    private static void CheckHttpUrl(string url, string option)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new CliException($"{option} '{url}' is not an http(s) URL such as {DefaultWebUrl}.");
    }

    private static Dictionary<string, string> ParseKafkaProperties(IReadOnlyList<string> pairs)
    {
        var result = new Dictionary<string, string>();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new CliException($"--kafka-property '{pair}' is not of the form key=value.");
            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return result;
    }

    /// <summary>The connection string with any password masked, for logs.</summary>
    public static string Mask(string? connection) =>
        connection is null ? "(none)" :
        System.Text.RegularExpressions.Regex.Replace(connection, @"(?i)(password|pwd)\s*=\s*[^;]*", "$1=***");
}
