using Akka.Configuration;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MusicRec.Catalog.Features;
using MusicRec.Host.Commands;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;
using MusicRec.Recommendation.Model;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;
using MusicRec.Web;

namespace MusicRec.Host.Service;

/// <summary>What is opened before the host is built: the catalogue (and its similarity index), the bus, the HOCON.</summary>
internal sealed record ServiceParts(
    Config Hocon, ITrackStore Store, SimilarityIndex Index, IMessageTransport Transport,
    ActivityPipelineSettings Pipeline, BlendOptions Blend, TasteReading Reading, PersistenceOptions Persistence) : IAsyncDisposable
{
    public static async Task<ServiceParts> OpenAsync(ServeOptions options, CancellationToken ct)
    {
        var hocon = ServiceConfig.Load(options);
        var pipeline = ServiceConfig.Pipeline(hocon);
        if (pipeline.RedeliveryProblem(new RecommenderOptions().Taste) is { } problem)
            throw new CliException($"musicrec.pipeline: {problem}.");
        // Before the catalogue loads, so a mistake in the blend's settings shows at once.
        var (blend, reading) = ServiceConfig.Blend(hocon);
        var kafka = ServiceConfig.Kafka(hocon, options);
        if (kafka is null && options.JoinsOtherNodes)
            throw new CliException("a node that joins other nodes needs Kafka (--kafka or MUSICREC_KAFKA): the in-process bus is one process's own.");
        if (kafka is not null)
        {
            try { KafkaTransport.Validate(kafka); }
            catch (ArgumentException e) { throw new CliException($"a Kafka setting is not valid: {e.Message}"); }
            catch (Confluent.Kafka.KafkaException e) { throw new CliException($"a Kafka setting is not valid: {e.Error.Reason}"); }
        }

        ITrackStore store;
        try { store = TrackStoreFactory.Open(options.Store, createIfMissing: false); }
        catch (StoreException e) { throw new CliException($"cannot open the catalogue store: {e.Message}"); }
        SimilarityIndex index;
        try
        {
            var columns = ServiceConfig.FeatureColumns(hocon);
            var sources = new Dictionary<string, int>();
            var documents = FeatureColumnSets.CountSourcesAsync(store.StreamAllAsync(ct), sources, ct);
            index = await SimilarityIndex.BuildAsync(FeatureColumnSets.SelectAsync(documents, columns, ct: ct),
                new SimilarityIndexOptions { FeatureCount = FeatureColumnSets.Width(columns) }, ct);
            // Not refused: the ETL already refuses to mix in one run; two runs into one store are the user's choice.
            if (FeatureColumnSets.MixedSourcesWarning(sources) is { } warning) await Console.Error.WriteLineAsync($"musicrec: warning: {warning}");
        }
        catch (StoreException e)
        {
            await store.DisposeAsync();
            throw new CliException($"cannot read the catalogue from {store.Describe()}: {e.Message}");
        }
        if (index.Count == 0)
        {
            await store.DisposeAsync();
            throw new CliException($"the catalogue in {store.Describe()} has no tracks with features: run 'musicrec etl' (or 'musicrec demo') first.");
        }

        IMessageTransport transport = kafka is null ? new InProcessTransport(new InProcessBus()) : new KafkaTransport(kafka);
        return new ServiceParts(hocon, store, index, transport, pipeline, blend, reading,
            PersistenceOptions.FromConnectionString(options.Journal, options.LocalJournalPath));
    }

    public async ValueTask DisposeAsync()
    {
        Transport.Dispose();
        await Store.DisposeAsync();
    }
}

/// <summary>The parts the service is made of: catalogue store, actor system, recommenders, pipeline, web page.</summary>
internal static class ServiceComposition
{
    public static void AddParts(IHostApplicationBuilder builder, ServeOptions options, ServiceParts parts)
    {
        var services = builder.Services;
        services.AddSingleton(parts.Store);
        services.AddSingleton(parts.Index);
        services.AddSingleton(parts.Transport);
        services.AddSingleton(parts.Pipeline);
        services.AddSingleton<IActivityPublisher>(_ => new TransportActivityPublisher(parts.Transport, parts.Pipeline.ActivityTopic));
        services.AddSingleton<IRecommendationFeed>(sp => new TransportRecommendationFeed(parts.Transport,
            new RecommendationFeedOptions { Topic = parts.Pipeline.RecommendationsTopic },
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TransportRecommendationFeed>>()));
        services.AddSingleton<BusProbe>();
        // One model per node, fed by its own consumer group of the whole activity topic (docs/recommender.md).
        services.AddSingleton(_ => new ListeningModel(new TrackCatalog(parts.Index.Tracks)));
        services.AddSingleton(sp => new TrackSuggestions(parts.Index, sp.GetRequiredService<ListeningModel>(), parts.Blend, parts.Reading));

        services.AddAkka(ServeOptions.ActorSystemName, (akka, _) => akka
            .AddHocon(parts.Hocon, HoconAddMode.Append)
            .WithMusicRecCluster(options, builder.Configuration)
            .WithMusicRecPersistence(parts.Persistence)
            .AddListeningModel(new ListeningModelOptions { GroupId = ModelGroupId(options), Topic = parts.Pipeline.ActivityTopic })
            .AddUserRecommenders(new RecommenderOptions { UseSharding = true, Index = parts.Index, Blend = parts.Blend, Reading = parts.Reading }));
        services.AddSingleton(sp => new RecommenderRegion(() =>
            sp.GetRequiredService<ActorRegistry>().TryGet<UserRecommenderRegion>(out var region) ? region : null));

        // Registered after AddAkka, so it starts after the actor system and stops before it.
        services.AddSingleton<PipelineService>();
        services.AddHostedService(sp => sp.GetRequiredService<PipelineService>());
        services.AddHostedService<ConsumerLagSampler>();

        var health = services.AddHealthChecks().AddCheck<BusHealthCheck>("bus", tags: [HealthTags.Ready]);
        if (options.WebUrl is not null)
            services.AddMusicRecWeb(new WebOptions { Url = options.WebUrl });
        else
            health.AddCheck<TrackStoreHealthCheck>("store", tags: [HealthTags.Ready]);
    }

    /// <summary>
    /// The model's consumer group: one per node (host and cluster port), so each node reads every partition. A node on a
    /// random port gets a group of its own run; it never commits, so that only leaves an idle group on the broker.
    /// </summary>
    internal static string ModelGroupId(ServeOptions options) => options.ClusterPort != 0
        ? $"musicrec-model-{options.ClusterHost}-{options.ClusterPort}"
        : $"musicrec-model-{options.ClusterHost}-{Guid.NewGuid():N}";

    /// <summary>True when the web page maps /healthz and /readyz itself (it includes every "ready" check).</summary>
    public static bool WebMapsHealth(ServeOptions options) => options.WebUrl is not null;

    public static void MapParts(WebApplication app, ServeOptions options)
    {
        if (options.WebUrl is not null) app.MapMusicRecWeb();
    }
}
