using Microsoft.AspNetCore.Http;

namespace MusicRec.Web.Security;

/// <summary>The headers every answer carries, on the page's listener and on a node's admin listener alike.</summary>
internal static class SecurityHeaders
{
    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
    }
}
