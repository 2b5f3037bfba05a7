using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MusicRec.Web.Security;

namespace MusicRec.Web;

/// <summary>A complete web host on Kestrel: for MusicRec.Web's own process, tests, benchmarks and the CLI commands.</summary>
public static class MusicRecWebHost
{
    /// <summary>
    /// Builds (does not start) a web application listening on <see cref="WebOptions.Url"/> (port 0 picks a free
    /// port; read it with <see cref="BoundAddress"/> after start). <paramref name="addBackend"/> registers
    /// <c>IActivityPublisher</c>, <c>IRecommendationFeed</c> and <c>ITrackStore</c>.
    /// </summary>
    public static WebApplication Create(WebOptions options, Action<WebApplicationBuilder> addBackend, string[]? args = null)
    {
        options = options.Validated();
        var builder = WebApplication.CreateBuilder(args ?? []);
        Configure(builder, options);
        addBackend(builder);
        builder.Services.AddMusicRecWeb(options);
        var app = builder.Build();
        app.UseMusicRecApiKey();
        app.MapMusicRecWeb();
        return app;
    }

    /// <summary>Kestrel on the configured URL, without the Server header.</summary>
    public static void Configure(WebApplicationBuilder builder, WebOptions options)
    {
        builder.WebHost.UseUrls(options.Url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
    }

    /// <summary>The first address Kestrel bound (after <c>StartAsync</c>), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the web host is not started");
        return new Uri(first);
    }
}
