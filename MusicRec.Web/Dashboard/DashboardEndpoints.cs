using MusicRec.Contracts;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MusicRec.Insights;
using MusicRec.Web.Security;

namespace MusicRec.Web.Dashboard;

/// <summary>
/// <c>/dashboard</c> (the page, its script and the vendored uPlot under <c>/dashboard/assets/</c>) and its data under
/// <c>/api/admin/dashboard/*</c>. Mapped on the web page's listener and on a node's admin listener alike; with an API
/// key set, the gate in front needs it for all of these.
/// </summary>
public static class DashboardEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    /// <summary>Registers the dashboard's assets; the host registers its <see cref="IDashboardData"/>.</summary>
    public static IServiceCollection AddMusicRecDashboard(this IServiceCollection services)
    {
        services.AddSingleton(_ => new DashboardAssets(new PageAssets("MusicRec.Web.Dashboard.", "dashboard.html")));
        services.AddSingleton<DashboardMapCache>();
        return services;
    }

    public static WebApplication MapMusicRecDashboard(this WebApplication app)
    {
        var assets = app.Services.GetRequiredService<DashboardAssets>().Assets;
        app.MapGet("/dashboard", (HttpContext context, string? user) =>
        {
            Harden(context);
            return user is not null && !UserIds.IsValid(user) ? WebApi.InvalidUserId() : assets.Serve(context, "dashboard.html");
        });
        app.MapGet("/dashboard/assets/{name}", (HttpContext context, string name) => { Harden(context); return assets.Serve(context, name); });

        app.MapGet("/api/admin/dashboard/overview", async (IDashboardData data, HttpContext context) =>
        {
            Harden(context);
            return Results.Json(await data.OverviewAsync(context.RequestAborted), Json);
        });
        app.MapGet("/api/admin/dashboard/series", (IDashboardData data, HttpContext context, string? after) =>
        {
            Harden(context);
            long since = 0;
            if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out since))
                return Results.Problem(title: "Invalid after", detail: "after is a time in Unix milliseconds.", statusCode: StatusCodes.Status400BadRequest);
            return Results.Json(data.Series(since), Json);
        });
        app.MapGet("/api/admin/dashboard/map", (DashboardMapCache cache, HttpContext context) =>
        {
            Harden(context);
            var (bytes, etag) = cache.Get();
            context.Response.Headers.CacheControl = "private, no-cache";
            return PageAssets.ServeWithETag(context, bytes, "application/json", etag);
        });
        app.MapGet("/api/admin/dashboard/tracks/{id}", (string id, IDashboardData data, HttpContext context) =>
        {
            Harden(context);
            if (!WebApi.TryParseTrackId(id, out var trackId)) return WebApi.InvalidTrackId();
            return data.Track(trackId) is { } track
                ? Results.Json(track, Json)
                : Results.Problem(title: "Unknown track", detail: $"No track {trackId} in the index.", statusCode: StatusCodes.Status404NotFound);
        });
        app.MapGet("/api/admin/dashboard/users/{id}", async (string id, IDashboardData data, HttpContext context) =>
        {
            Harden(context);
            if (!UserIds.IsValid(id)) return WebApi.InvalidUserId();
            return await data.UserAsync(id, context.RequestAborted) is { } user
                ? Results.Json(user, Json)
                : Results.Problem(title: "The user's recommender did not answer in time",
                    detail: "Its shard may be moving between nodes; try again.", statusCode: StatusCodes.Status504GatewayTimeout);
        });
        return app;
    }

    /// <summary>The same headers as the page's listener, also on a node's admin listener (which has no page middleware).</summary>
    private static void Harden(HttpContext context)
    {
        SecurityHeaders.Apply(context.Response);
        if (!context.Request.Path.StartsWithSegments("/dashboard/assets")) context.Response.Headers.CacheControl = "no-store";
    }

    /// <summary>The map as compact column arrays (coordinates to 4 decimals): for 106,574 tracks about 3 MB, built once.</summary>
    internal static byte[] MapJson(CatalogueMap map)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("count", map.Count);
            w.WriteNumber("first_share", Math.Round(map.FirstShare, 4));
            w.WriteNumber("second_share", Math.Round(map.SecondShare, 4));
            map.WriteColumns(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

internal sealed record DashboardAssets(PageAssets Assets);

/// <summary>The map's JSON, made on the first request (a PCA over the whole index) and kept.</summary>
internal sealed class DashboardMapCache(IDashboardData data)
{
    private readonly Lazy<(byte[] Bytes, string ETag)> _map = new(() =>
    {
        var bytes = DashboardEndpoints.MapJson(data.Map());
        return (bytes, PageAssets.ETagOf(bytes));
    });

    public (byte[] Bytes, string ETag) Get() => _map.Value;
}
