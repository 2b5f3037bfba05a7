using Microsoft.AspNetCore.Builder;

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
            var builder = WebApplication.CreateBuilder(args);
            var options = WebOptions.FromConfiguration(builder.Configuration);
            MusicRecWebHost.Configure(builder, options);
            StandaloneBackend.Add(builder);
            builder.Services.AddMusicRecWeb(options);
            var app = builder.Build();
            app.MapMusicRecWeb();
            await app.StartAsync();
            Console.WriteLine($"MusicRec web page: {MusicRecWebHost.BoundAddress(app)}");
            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (Exception e) when (e is StandaloneConfigurationException or ArgumentException or IOException)
        {
            await Console.Error.WriteLineAsync($"MusicRec.Web: {e.Message}");
            return 2;
        }
    }
}
