using Akka.Configuration;
using MusicRec.Host.Commands;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Streaming;

namespace MusicRec.Host.Service;

/// <summary>
/// The service's HOCON: hocon/musicrec.hocon beside the binary, with MUSICREC_HOCON layered on top. Read once,
/// before the actor system exists, because the Kafka transport and the catalogue are set up first; the same
/// Config is then handed to Akka.Hosting.
/// </summary>
internal static class ServiceConfig
{
    public static string DefaultHoconPath => Path.Combine(AppContext.BaseDirectory, "hocon", "musicrec.hocon");

    public static Config Load(ServeOptions options)
    {
        if (!File.Exists(DefaultHoconPath))
            throw new CliException($"{DefaultHoconPath} is missing: the host must be built or published with its hocon/ folder.");
        try
        {
            var config = ConfigurationFactory.ParseString(File.ReadAllText(DefaultHoconPath));
            if (options.ExtraHoconFile is not null)
                config = ConfigurationFactory.ParseString(File.ReadAllText(options.ExtraHoconFile)).WithFallback(config);
            return config;
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new CliException($"the HOCON configuration cannot be read: {e.Message}");
        }
    }

    /// <summary>HOCON musicrec.kafka, then --kafka / MUSICREC_KAFKA and --kafka-property on top; null for the in-process bus.</summary>
    public static KafkaSettings? Kafka(Config config, ServeOptions options)
    {
        var fromHocon = KafkaSettings.FromConfig(config);
        if (options.Kafka is null) return fromHocon?.WithProperties(options.KafkaProperties);
        var settings = fromHocon is null
            ? new KafkaSettings(options.Kafka, options.KafkaProperties)
            : (fromHocon with { BootstrapServers = options.Kafka }).WithProperties(options.KafkaProperties);
        return settings;
    }

    /// <summary><c>musicrec.recommender.feature-columns</c>: default (154 MFCC/centroid/ZCR statistics), full (518) or echonest.</summary>
    public static Catalog.Features.FeatureColumnSet FeatureColumns(Config config)
    {
        var text = config.GetString("musicrec.recommender.feature-columns", "default");
        try
        {
            return Catalog.Features.FeatureColumnSets.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new Commands.CliException($"musicrec.recommender.feature-columns: {e.Message}");
        }
    }

    /// <summary><c>musicrec.recommender.blend</c>: the blend's weights and rules, and how a skip counts (seen or negative).</summary>
    public static (BlendOptions Blend, TasteReading Reading) Blend(Config config)
    {
        var d = new BlendOptions();
        var b = config.GetConfig("musicrec.recommender.blend") ?? ConfigurationFactory.Empty;
        var blend = d with
        {
            CoListeningWeight = b.GetDouble("colistening-weight", d.CoListeningWeight),
            PopularityWeight = b.GetDouble("popularity-weight", d.PopularityWeight),
            AudioWeight = b.GetDouble("audio-weight", d.AudioWeight),
            GenreWeight = b.GetDouble("genre-weight", d.GenreWeight),
            CandidatesPerSource = b.GetInt("candidates-per-source", d.CandidatesPerSource),
            AudioBeam = b.GetInt("audio-beam", d.AudioBeam),
            ExplorationShare = b.GetDouble("exploration-share", d.ExplorationShare),
            MaxPerArtist = b.GetInt("max-per-artist", d.MaxPerArtist),
            LikedReplacementDecay = b.GetDouble("liked-replacement-decay", d.LikedReplacementDecay),
            ListenedReplacementDecay = b.GetDouble("listened-replacement-decay", d.ListenedReplacementDecay),
            ReplacementAfterEvents = b.GetInt("replacement-after-events", d.ReplacementAfterEvents),
        };
        if (blend.Problem() is { } problem) throw new CliException($"musicrec.recommender.blend: {problem}.");
        var skips = b.GetString("skips", "seen");
        if (!SkipPolicies.TryParse(skips, out var policy))
            throw new CliException($"musicrec.recommender.blend.skips '{skips}' is not seen or negative.");
        var reading = new TasteReading { Skips = policy };
        return (blend, reading);
    }

    public static ActivityPipelineSettings Pipeline(Config config)
    {
        var defaults = new ActivityPipelineSettings();
        var p = config.GetConfig("musicrec.pipeline") ?? ConfigurationFactory.Empty;
        return defaults with
        {
            GroupId = p.GetString("group-id", defaults.GroupId),
            ActivityTopic = p.GetString("activity-topic", defaults.ActivityTopic),
            RecommendationsTopic = p.GetString("recommendations-topic", defaults.RecommendationsTopic),
            DeadLetterTopic = p.GetString("dead-letter-topic", defaults.DeadLetterTopic),
            AskTimeout = p.GetTimeSpan("ask-timeout", defaults.AskTimeout),
            RecommenderParallelism = p.GetInt("parallelism", defaults.RecommenderParallelism),
            MaxInFlightPerUser = p.GetInt("max-in-flight-per-user", defaults.MaxInFlightPerUser),
            DrainTimeout = p.GetTimeSpan("drain-timeout", defaults.DrainTimeout),
        };
    }
}
