using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Web;

/// <summary>
/// What MusicRec.Web needs when it runs as its own process: the store named by <c>MUSICREC_STORE</c>
/// (default <c>sqlite:./musicrec.db</c>) and, from <c>MUSICREC_KAFKA</c>, a Kafka <c>IRecommendationFeed</c> (its own
/// consumer group on <c>recommendations</c>) and a Kafka <c>IActivityPublisher</c> (<c>user_activity</c>).
/// librdkafka settings pass through from <c>--kafka-property k=v</c> (repeatable) or
/// <c>MUSICREC_KAFKA_PROPERTIES</c> ("k=v;k2=v2"), never from code.
/// This is the one place where those implementations are chosen; the web host itself only knows the interfaces.
/// </summary>
internal static class StandaloneBackend
{
    public const string DefaultStore = "sqlite:./musicrec.db";

    /// <summary>Takes the repeatable <c>--kafka-property k=v</c> pairs out of the arguments (ASP.NET's parser keeps only the last).</summary>
    public static (string[] Remaining, List<string> KafkaProperties) SplitArgs(string[] args)
    {
        var rest = new List<string>();
        var properties = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--kafka-property" && i + 1 < args.Length) properties.Add(args[++i]);
            else if (args[i].StartsWith("--kafka-property=", StringComparison.Ordinal)) properties.Add(args[i]["--kafka-property=".Length..]);
            else rest.Add(args[i]);
        }
        return (rest.ToArray(), properties);
    }

    public static void Add(WebApplicationBuilder builder, IReadOnlyList<string> kafkaPropertyArgs)
    {
        var storeUri = builder.Configuration["MUSICREC_STORE"] ?? DefaultStore;
        var kafka = builder.Configuration["MUSICREC_KAFKA"] ?? builder.Configuration["kafka"];
        if (string.IsNullOrWhiteSpace(kafka))
            throw new StandaloneConfigurationException(
                "MusicRec.Web on its own reads recommendations from Kafka: set MUSICREC_KAFKA=HOST:PORT or --kafka HOST:PORT " +
                "(or run 'musicrec serve', which includes the web page)");

        var pairs = (builder.Configuration["MUSICREC_KAFKA_PROPERTIES"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(kafkaPropertyArgs);
        KafkaSettings settings;
        try { settings = KafkaSettings.Create(kafka, pairs); }
        catch (FormatException e) { throw new StandaloneConfigurationException(e.Message); }

        ITrackStore store;
        try { store = TrackStoreFactory.Open(storeUri, createIfMissing: false); }
        catch (StoreException e) { throw new StandaloneConfigurationException(e.Message); }

        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IMessageTransport>(sp => new KafkaTransport(settings, sp.GetService<ILoggerFactory>()));
        builder.Services.AddSingleton<IActivityPublisher>(sp => new TransportActivityPublisher(sp.GetRequiredService<IMessageTransport>()));
        // A fixed group per web process would split partitions between replicas; each page host needs every batch.
        builder.Services.AddSingleton<IRecommendationFeed>(sp => new TransportRecommendationFeed(
            sp.GetRequiredService<IMessageTransport>(), new RecommendationFeedOptions(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<TransportRecommendationFeed>()));
    }
}

/// <summary>A configuration problem of the standalone process: printed as one line, no stack trace.</summary>
internal sealed class StandaloneConfigurationException(string message) : Exception(message);
