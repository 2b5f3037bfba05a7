using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MusicRec.Host.Service;

/// <summary>The parts the service is made of: catalogue store, actor system, recommenders, pipeline, web page.</summary>
internal static class ServiceComposition
{
    public static void AddParts(IHostApplicationBuilder builder, ServeOptions options)
    {
        builder.Services.AddSingleton(new RecommenderRegion(() => null));
        builder.Services.AddAkka(ServeOptions.ActorSystemName, (akka, _) => akka.WithMusicRecCluster(options));
    }

    public static void MapParts(WebApplication app, ServeOptions options)
    {
    }
}
