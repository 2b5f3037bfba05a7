using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Contracts;
using MusicRec.Recommendation;
using MusicRec.Recommendation.Model;
using MusicRec.Stores;
using MusicRec.Streaming;
using MusicRec.Web.Security;

namespace MusicRec.Web;

/// <summary>
/// Wiring of the recommendations web host, the same in the service's process (<c>serve</c>, <c>demo</c>) and in
/// MusicRec.Web's own process. The host must register <see cref="IActivityPublisher"/>,
/// <see cref="IRecommendationFeed"/> and <see cref="ITrackStore"/> as singletons.
/// </summary>
public static class WebApi
{
    /// <summary>Adds the batch board, the feed reader (hosted service), problem details and the readiness checks "store" and "feed".</summary>
    public static IServiceCollection AddMusicRecWeb(this IServiceCollection services, WebOptions? options = null)
    {
        options = (options ?? new WebOptions()).Validated();
        services.AddSingleton(options);
        services.AddSingleton<BatchBoard>();
        services.AddSingleton<RecommendationFeedReader>();
        services.AddHostedService(sp => sp.GetRequiredService<RecommendationFeedReader>());
        services.AddSingleton<PageAssets>();
        services.AddProblemDetails();
        services.AddHealthChecks()
            .AddCheck<TrackStoreHealthCheck>("store", tags: [Readiness.Tag])
            .AddCheck<FeedHealthCheck>("feed", tags: [Readiness.Tag]);
        return services;
    }

    /// <summary>
    /// Adds the error handling (generic problem details, never a stack trace), security headers and the endpoints
    /// of SPEC.md plus <c>GET /api/tracks/{id}</c>, <c>GET /api/users</c> and the page's <c>/assets/*</c>.
    /// </summary>
    public static WebApplication MapMusicRecWeb(this WebApplication app)
    {
        RequireBackend(app.Services);

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Whatever failed, the client gets the same short body; the exception goes to the log only.
            ExceptionHandler = context => Results.Problem(title: "Internal server error",
                detail: "The server could not complete the request.", statusCode: StatusCodes.Status500InternalServerError)
                .ExecuteAsync(context),
        });
        app.UseStatusCodePages();
        app.Use(async (context, next) =>
        {
            SecurityHeaders.Apply(context.Response);
            await next(context);
        });

        var assets = app.Services.GetRequiredService<PageAssets>();
        app.MapGet("/", (HttpContext context, string? user) => user is not null && !UserIds.IsValid(user)
            ? InvalidUserId()
            : assets.Serve(context, "index.html"));
        app.MapGet("/assets/{name}", (HttpContext context, string name) => assets.Serve(context, name));

        app.MapGet("/api/users/{id}/recommendations", (string id, BatchBoard board, HttpContext context) =>
        {
            if (!UserIds.IsValid(id)) return InvalidUserId();
            context.Response.Headers.CacheControl = "no-store";
            var batches = board.Latest(id);
            // A listener with no batch yet gets the node's "popular now" batch (docs/interface.md), where there is a model.
            if (batches.Count == 0 && context.RequestServices.GetService<ListeningModel>() is { } model
                && ColdStart.PopularNow(model, id, DateTimeOffset.UtcNow) is { } popular)
                return Results.Json(new UserRecommendations(id, [popular]) { PopularNow = true }, WebJson.Options);
            return Results.Json(new UserRecommendations(id, batches), WebJson.Options);
        });

        app.MapGet("/api/users", (BatchBoard board, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new RecentUsers(board.RecentUsers(50)), WebJson.Options);
        });

        app.MapPost("/api/activity", PostActivityAsync);
        app.MapGet("/api/stream/{id}", ServerSentEvents.StreamAsync);
        app.MapGet("/api/tracks/{id}", GetTrackAsync);
        app.MapGet("/api/tracks/{id}/similar", GetSimilar);
        app.MapGet("/api/popular", GetPopular);
        app.MapGet("/api/tracks", GetStarterTracksAsync);

        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false, // liveness: the process answers; dependencies are readiness
            ResponseWriter = (context, _) => Results.Json(new { status = "ok" }).ExecuteAsync(context),
        });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Readiness.Tag),
            ResponseWriter = Readiness.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        return app;
    }

    internal static IResult InvalidUserId() => Results.Problem(title: "Invalid user id",
        detail: $"A user id must match {UserIds.Pattern}.", statusCode: StatusCodes.Status400BadRequest);

    /// <summary>A track id in a path: a positive integer, digits only.</summary>
    internal static bool TryParseTrackId(string id, out int trackId) =>
        int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out trackId) && trackId > 0;

    internal static IResult InvalidTrackId() => Results.Problem(title: "Invalid track id",
        detail: "A track id is a positive integer.", statusCode: StatusCodes.Status400BadRequest);

    private static void RequireBackend(IServiceProvider services)
    {
        var missing = new[] { typeof(IActivityPublisher), typeof(IRecommendationFeed), typeof(ITrackStore) }
            .Where(t => services.GetService(t) is null).Select(t => t.Name).ToList();
        if (services.GetService<BatchBoard>() is null) missing.Insert(0, "AddMusicRecWeb()");
        if (missing.Count > 0)
            throw new InvalidOperationException(
                $"the web host is missing {string.Join(", ", missing)}: register them before MapMusicRecWeb()");
    }

    private static async Task<IResult> PostActivityAsync(HttpContext context, IActivityPublisher publisher,
        ITrackStore store, ILoggerFactory logs)
    {
        var request = context.Request;
        // JSON only: a cross-site form or a typeless no-cors post cannot pass as an event.
        if (!request.HasJsonContentType())
            return Results.Problem(title: "Unsupported media type", detail: "Send the event as application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        if (request.ContentLength > ActivityRequest.MaxBodyBytes)
            return TooLarge();

        // Read at most MaxBodyBytes + 1, whatever the client claims.
        var buffer = new byte[ActivityRequest.MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            length += read;
        if (length > ActivityRequest.MaxBodyBytes) return TooLarge();

        var parsed = ActivityRequest.Parse(buffer.AsSpan(0, length), Guid.NewGuid(), DateTimeOffset.UtcNow);
        if (parsed.Event is not { } activity)
            return Results.ValidationProblem(parsed.Errors, title: "Invalid activity event",
                detail: "Send {\"user_id\":\"u42\",\"track_id\":2,\"action\":\"listen|like|skip\"}.");
        // Refused here, where the client can be told; events that come through Kafka still go to the dead-letter topic.
        if (await RefuseUnknownTrackAsync(context.RequestServices.GetService<SimilarityIndex>(), store, activity.TrackId, logs,
                context.RequestAborted) is { } refused)
            return refused;
        try
        {
            await publisher.PublishAsync(activity, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger(typeof(WebApi)).LogError("Publishing activity for user {User} failed: {Error}", activity.UserId, e.Message);
            return Results.Problem(title: "Activity not accepted", detail: "The activity bus is unavailable; try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return Results.Json(activity, WebJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>Null when the track is in the catalogue; otherwise the answer: 404 naming the track, or 503 when the store fails.</summary>
    /// <remarks>
    /// Under <c>serve</c> the in-memory index answers, the same one the pipeline validates against; the store is read
    /// only by a web host without one (standalone MusicRec.Web).
    /// </remarks>
    private static async Task<IResult?> RefuseUnknownTrackAsync(SimilarityIndex? index, ITrackStore store, int trackId,
        ILoggerFactory logs, CancellationToken ct)
    {
        try
        {
            if (index?.Contains(trackId) ?? (await store.GetByIdsAsync([trackId], ct)).Count > 0) return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger(typeof(WebApi)).LogError("Looking up track {Track} in the catalogue failed: {Error}", trackId, e.Message);
            return Results.Problem(title: "Activity not accepted", detail: "The catalogue is unavailable; try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return Results.Problem(title: "Unknown track", detail: $"track {trackId} is not in the catalogue",
            statusCode: StatusCodes.Status404NotFound, extensions: new Dictionary<string, object?> { ["track_id"] = trackId });
    }

    private static IResult TooLarge() => Results.Problem(title: "Body too large",
        detail: $"An activity event is at most {ActivityRequest.MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>
    /// <c>GET /api/tracks?limit=N</c> (1..24, default 6): a few catalogue tracks, one per genre first, for a listener
    /// with no recommendations yet to start from. Reads only the first 200 tracks of the store.
    /// </summary>
    private static async Task<IResult> GetStarterTracksAsync(ITrackStore store, HttpContext context, string? limit)
    {
        var count = 6;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count) || count is < 1 or > 24))
            return Results.Problem(title: "Invalid limit", detail: "limit is a whole number from 1 to 24.", statusCode: StatusCodes.Status400BadRequest);
        var candidates = new List<TrackDocument>();
        await foreach (var d in store.StreamAllAsync(context.RequestAborted))
        {
            candidates.Add(d);
            if (candidates.Count >= 200) break;
        }
        var oneGenreEach = candidates.GroupBy(d => d.Metadata.GenreTop).Select(g => g.First());
        var picked = oneGenreEach.Concat(candidates).Distinct().Take(count).Select(TrackView.From).ToList();
        context.Response.Headers.CacheControl = "public, max-age=60";
        return Results.Json(new TrackList(picked), WebJson.Options);
    }

    /// <summary><c>GET /api/tracks/{id}/similar?source=colistening|audio|blend&amp;limit=N</c> (docs/interface.md).</summary>
    private static IResult GetSimilar(string id, string? source, string? limit, HttpContext context)
    {
        if (!TryParseTrackId(id, out var trackId)) return InvalidTrackId();
        source ??= "blend";
        if (!TrackSuggestions.Sources.Contains(source))
            return Results.Problem(title: "Invalid source", detail: $"source is one of {string.Join(", ", TrackSuggestions.Sources)}.",
                statusCode: StatusCodes.Status400BadRequest);
        if (ParseLimit(limit) is not { } count) return InvalidLimit();
        if (context.RequestServices.GetService<TrackSuggestions>() is not { } suggestions) return NoModel();
        if (!suggestions.HasTrack(trackId))
            return Results.Problem(title: "Unknown track", detail: $"No track {trackId} in the catalogue.", statusCode: StatusCodes.Status404NotFound);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new SimilarTracks(trackId, source, suggestions.Similar(trackId, source, count)), WebJson.Options);
    }

    /// <summary><c>GET /api/popular?genre=G&amp;limit=N</c> (docs/interface.md).</summary>
    private static IResult GetPopular(string? genre, string? limit, HttpContext context)
    {
        if (ParseLimit(limit) is not { } count) return InvalidLimit();
        if (context.RequestServices.GetService<TrackSuggestions>() is not { } suggestions) return NoModel();
        genre = string.IsNullOrWhiteSpace(genre) ? null : genre.Trim();
        if (genre is not null && !suggestions.HasGenre(genre))
            return Results.Problem(title: "Unknown genre", detail: $"No track of genre '{genre}' in the catalogue.", statusCode: StatusCodes.Status404NotFound);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(new PopularTracks(genre, suggestions.Popular(genre, count)), WebJson.Options);
    }

    /// <summary>1..50, default 10; null when given and not a whole number in range.</summary>
    private static int? ParseLimit(string? limit) =>
        limit is null ? 10
        : int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 50 ? n
        : null;

    private static IResult InvalidLimit() =>
        Results.Problem(title: "Invalid limit", detail: "limit is a whole number from 1 to 50.", statusCode: StatusCodes.Status400BadRequest);

    private static IResult NoModel() => Results.Problem(title: "No recommender here",
        detail: "This web host runs without the recommender's listening model (run it inside 'musicrec serve').",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> GetTrackAsync(string id, ITrackStore store, HttpContext context)
    {
        if (!TryParseTrackId(id, out var trackId)) return InvalidTrackId();
        var found = await store.GetByIdsAsync([trackId], context.RequestAborted);
        if (found.Count == 0)
            return Results.Problem(title: "Unknown track", detail: $"No track {trackId} in the catalogue.",
                statusCode: StatusCodes.Status404NotFound);
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Json(TrackView.From(found[0]), WebJson.Options);
    }
}
