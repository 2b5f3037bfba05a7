using Akka.Configuration;

namespace MusicRec.Streaming;

/// <summary>
/// Where the Kafka cluster is and any librdkafka settings to pass through unchanged (<c>--kafka-property k=v</c>,
/// HOCON <c>musicrec.kafka.properties</c>). Product code sets no broker-specific settings of its own: an old
/// broker's needs (e.g. <c>api.version.request=false</c>) come in through <see cref="Properties"/>.
/// </summary>
public sealed record KafkaSettings(string BootstrapServers, IReadOnlyDictionary<string, string> Properties)
{
    public KafkaSettings(string bootstrapServers) : this(bootstrapServers, new Dictionary<string, string>()) { }

    /// <summary>Parses <c>key=value</c> pairs (as given to <c>--kafka-property</c>); a malformed pair is an error.</summary>
    public static IReadOnlyDictionary<string, string> ParseProperties(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0)
                throw new FormatException($"Kafka property '{pair}' is not of the form key=value.");
            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return result;
    }

    /// <summary>Builds settings from a bootstrap list and <c>key=value</c> pairs.</summary>
    public static KafkaSettings Create(string bootstrapServers, IEnumerable<string>? propertyPairs = null)
    {
        if (string.IsNullOrWhiteSpace(bootstrapServers))
            throw new FormatException("Kafka bootstrap servers are empty.");
        return new KafkaSettings(bootstrapServers.Trim(), ParseProperties(propertyPairs ?? []));
    }

    /// <summary>
    /// Reads <c>musicrec.kafka.bootstrap-servers</c> and the <c>musicrec.kafka.properties</c> object (quoted keys
    /// for dotted librdkafka names: <c>properties { "api.version.request" = "false" }</c>). Null when no bootstrap is configured.
    /// </summary>
    public static KafkaSettings? FromConfig(Config config)
    {
        var bootstrap = config.GetString("musicrec.kafka.bootstrap-servers", null);
        if (string.IsNullOrWhiteSpace(bootstrap)) return null;
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config.HasPath("musicrec.kafka.properties"))
        {
            foreach (var (key, value) in config.GetConfig("musicrec.kafka.properties").AsEnumerable())
                props[key.Trim('"')] = value.GetString();
        }
        return new KafkaSettings(bootstrap.Trim(), props);
    }

    /// <summary>These settings with more properties layered on top (later wins).</summary>
    public KafkaSettings WithProperties(IReadOnlyDictionary<string, string> more)
    {
        var merged = new Dictionary<string, string>(Properties, StringComparer.Ordinal);
        foreach (var (k, v) in more) merged[k] = v;
        return this with { Properties = merged };
    }

    /// <summary>For logs: the bootstrap list and property names with values of secret-looking keys masked.</summary>
    public override string ToString() =>
        $"{BootstrapServers} [{string.Join(", ", Properties.Select(p => $"{p.Key}={(IsSecret(p.Key) ? "***" : p.Value)}"))}]";

    private static bool IsSecret(string key) =>
        key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase);
}
