using Microsoft.Extensions.DependencyInjection;

namespace MusicRec.Stores;

/// <summary>Registers the catalogue store for hosts (web readiness probe, recommender, ETL).</summary>
public static class TrackStoreServiceCollectionExtensions
{
    /// <summary>
    /// One <see cref="ITrackStore"/> for the process, opened on first use from <paramref name="uri"/> and disposed
    /// with the container. Resolve the URI with <see cref="StoreUri.Resolve"/> (option, environment, default).
    /// </summary>
    public static IServiceCollection AddTrackStore(this IServiceCollection services, StoreUri uri, bool createIfMissing = true) =>
        services.AddSingleton<ITrackStore>(_ => TrackStoreFactory.Open(uri, createIfMissing));
}
