using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MusicRec.Web.Security;

/// <summary>
/// With an <see cref="ApiKey"/> registered: <c>/api/admin/*</c> and <c>/dashboard*</c> need the key (the
/// <c>X-API-Key</c> header or the admin session cookie that <c>/dashboard?key=KEY</c> sets), and
/// <c>POST /api/activity</c> needs the key or the listener cookie the page gets when it is served.
/// Without a key registered, nothing is checked (the service then listens on loopback only).
/// docs/interface.md ("API keys") has the design.
/// </summary>
public static class ApiKeyGate
{
    public const string AdminCookie = "musicrec_admin";
    public const string ListenerCookie = "musicrec_listener";
    internal const string AdminPurpose = "admin";
    internal const string ListenerPurpose = "listener";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    /// <summary>Adds the gate when the host registered an <see cref="ApiKey"/>; call before mapping endpoints.</summary>
    public static WebApplication UseMusicRecApiKey(this WebApplication app)
    {
        if (app.Services.GetService<ApiKey>() is not { } key) return app;
        var clock = app.Services.GetService<TimeProvider>() ?? TimeProvider.System;
        app.Use((context, next) => GateAsync(context, next, key, clock));
        return app;
    }

    private static Task GateAsync(HttpContext context, RequestDelegate next, ApiKey key, TimeProvider clock)
    {
        var request = context.Request;
        var path = request.Path;
        var now = clock.GetUtcNow();

        if (HttpMethods.IsGet(request.Method) && path == "/")
        {
            // The page is public; serving it hands the browser a signed listener cookie for its own activity posts.
            SetCookie(context, ListenerCookie, key.IssueToken(ListenerPurpose, now + SessionLifetime), "/api/activity", SessionLifetime);
            return next(context);
        }

        var admin = path.StartsWithSegments("/dashboard") || path.StartsWithSegments("/api/admin");
        var activityWrite = HttpMethods.IsPost(request.Method) && path.StartsWithSegments("/api/activity");
        if (!admin && !activityWrite) return next(context);

        if (admin && path == "/dashboard" && request.Query.TryGetValue("key", out var queryKey))
        {
            if (!key.Matches(queryKey.ToString())) return Refuse(context, "The key in ?key= is wrong.");
            SetCookie(context, AdminCookie, key.IssueToken(AdminPurpose, now + SessionLifetime), "/", maxAge: null);
            // Drop the key from the address bar and the history; keep the other parameters (?user=).
            var rest = QueryString.Create(request.Query.Where(q => q.Key != "key"));
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Redirect("/dashboard" + rest.ToUriComponent());
            return Task.CompletedTask;
        }

        if (request.Headers.TryGetValue(ApiKey.Header, out var header))
            return key.Matches(header.ToString()) ? next(context) : Refuse(context, $"The {ApiKey.Header} header is wrong.");
        if (key.VerifyToken(request.Cookies[AdminCookie], AdminPurpose, now)) return next(context);
        if (activityWrite && key.VerifyToken(request.Cookies[ListenerCookie], ListenerPurpose, now)) return next(context);
        return Refuse(context, admin
            ? $"Send the key in the {ApiKey.Header} header, or open /dashboard?key=KEY once in the browser."
            : $"Post activity from the page, or send the key in the {ApiKey.Header} header.");
    }

    private static void SetCookie(HttpContext context, string name, string value, string path, TimeSpan? maxAge) =>
        context.Response.Cookies.Append(name, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = path,
            MaxAge = maxAge,
            IsEssential = true,
        });

    private static Task Refuse(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiKey.Header}\"";
        context.Response.Headers.CacheControl = "no-store";
        return Results.Problem(title: "API key required", detail: detail, statusCode: StatusCodes.Status401Unauthorized)
            .ExecuteAsync(context);
    }
}
