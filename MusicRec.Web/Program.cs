using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MusicRec.Web.Security;

namespace MusicRec.Web;

/// <summary>
/// MusicRec.Web as its own process. Configuration: appsettings.json, environment, then arguments:
/// <c>MUSICREC_WEB_URL</c> or <c>--url</c> (default http://127.0.0.1:5080), <c>MUSICREC_STORE</c>, <c>MUSICREC_KAFKA</c>,
/// and the <c>Web</c> section of <see cref="WebOptions"/>.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        try
        {
            var (rest, kafkaProperties) = StandaloneBackend.SplitArgs(args);
            var builder = WebApplication.CreateBuilder(rest);
            var options = WebOptions.FromConfiguration(builder.Configuration);
            MusicRecWebHost.Configure(builder, options);
            StandaloneBackend.Add(builder, kafkaProperties);
            builder.Services.AddMusicRecWeb(options);
            if (builder.Configuration["MUSICREC_API_KEY"] is { Length: > 0 } key) builder.Services.AddSingleton(Security.ApiKey.Create(key));
            else if (!Security.ApiKey.IsLoopbackUrl(options.Url))
                throw new ArgumentException($"{options.Url} listens beyond this machine, and MUSICREC_API_KEY is not set: set it, or listen on 127.0.0.1");
            var app = builder.Build();
            app.UseMusicRecApiKey();
            app.MapMusicRecWeb();
            await app.StartAsync();
            Console.WriteLine($"MusicRec web page: {MusicRecWebHost.BoundAddress(app)}");
            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (Exception e) when (e is StandaloneConfigurationException or ArgumentException or IOException or MusicRec.Stores.StoreException)
        {
            await Console.Error.WriteLineAsync($"MusicRec.Web: {e.Message}");
            return 2;
        }
    }
}
