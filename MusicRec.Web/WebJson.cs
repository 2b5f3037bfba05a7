using System.Text.Json;

namespace MusicRec.Web;

internal static class WebJson
{
    /// <summary>Web defaults; the wire records carry their own snake_case names (SPEC.md).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
