using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace MusicRec.Web;

/// <summary>
/// The page: index.html, app.css, app.js and icon.svg, embedded in this assembly (no CDN, no files on disk).
/// Scripts and styles only from this host (Content-Security-Policy), so even a catalogue title that slipped
/// into markup could not run.
/// </summary>
public sealed class PageAssets
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".md"] = "text/plain; charset=utf-8",
        [".LICENSE"] = "text/plain; charset=utf-8",
    };

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public PageAssets() : this("MusicRec.Web.Page.", "index.html")
    {
    }

    /// <summary>The embedded resources named <paramref name="prefix"/>*, which must include <paramref name="page"/>.</summary>
    internal PageAssets(string prefix, string page)
    {
        var assembly = typeof(PageAssets).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[prefix.Length..];
            _assets[name] = new Asset(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"), ETagOf(bytes));
        }
        if (!_assets.ContainsKey(page))
            throw new InvalidOperationException($"MusicRec.Web was built without its page (embedded resource {prefix}{page})");
    }

    public IReadOnlyCollection<string> Names => _assets.Keys;

    public IResult Serve(HttpContext context, string name)
    {
        if (!_assets.TryGetValue(name, out var asset))
            return Results.Problem(title: "Not found", statusCode: StatusCodes.Status404NotFound);
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache"; // revalidate with the ETag: a new build shows at once
        if (name.EndsWith(".html", StringComparison.Ordinal)) headers.ContentSecurityPolicy = ContentSecurityPolicy;
        return ServeWithETag(context, asset.Bytes, asset.ContentType, asset.ETag);
    }

    /// <summary>A strong ETag for <paramref name="bytes"/>: the first 16 hex digits of their SHA-256, quoted.</summary>
    internal static string ETagOf(byte[] bytes) => "\"" + Convert.ToHexString(SHA256.HashData(bytes))[..16] + "\"";

    /// <summary>The bytes with their ETag, or 304 when the client's If-None-Match already names them.</summary>
    internal static IResult ServeWithETag(HttpContext context, byte[] bytes, string contentType, string etag)
    {
        context.Response.Headers.ETag = etag;
        return context.Request.Headers.IfNoneMatch.ToString() == etag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(bytes, contentType);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
