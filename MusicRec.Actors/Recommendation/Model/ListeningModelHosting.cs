using Akka.Hosting;
using MusicRec.Streaming.Transport;

namespace MusicRec.Recommendation.Model;

/// <summary>ActorRegistry key of the node's <see cref="ListeningModelActor"/>.</summary>
public sealed class ListeningModelOwner
{
    private ListeningModelOwner() { }
}

public static class ListeningModelHostingExtensions
{
    /// <summary>
    /// Starts the node's model owner: it feeds the <see cref="ListeningModel"/> registered in the service provider from
    /// the full activity topic of the registered <see cref="IMessageTransport"/> (tracks checked against the
    /// registered <see cref="SimilarityIndex"/>). Register the model before <c>AddUserRecommenders</c> reads it.
    /// </summary>
    public static AkkaConfigurationBuilder AddListeningModel(this AkkaConfigurationBuilder builder, ListeningModelOptions options) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var index = resolver.GetService<SimilarityIndex>();
            var owner = system.ActorOf(ListeningModelActor.Props(resolver.GetService<ListeningModel>(),
                resolver.GetService<IMessageTransport>(), index.Contains, options), "listening-model");
            registry.Register<ListeningModelOwner>(owner);
        });
}
