using System.Text.Json;
using MusicRec.Contracts;
using MusicRec.Streaming;

namespace MusicRec.Web;

/// <summary>
/// The body of <c>POST /api/activity</c>: <c>{"user_id":"u42","track_id":2,"action":"like"}</c> (SPEC.md, without
/// <c>event_id</c>/<c>ts</c>, which the server fills; if a client sends them they are ignored).
/// </summary>
public static class ActivityRequest
{
    public const int MaxBodyBytes = 4096;

    /// <summary>Parses and validates a body; on failure returns the errors per field (problem-details "errors").</summary>
    public static ActivityParse Parse(ReadOnlySpan<byte> body, Guid eventId, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            errors["body"] = ["the body is not valid JSON"];
            return new ActivityParse(null, errors);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["the body must be a JSON object with user_id, track_id and action"];
                return new ActivityParse(null, errors);
            }

            string? userId = null;
            if (!root.TryGetProperty("user_id", out var u) || u.ValueKind != JsonValueKind.String)
                errors["user_id"] = ["user_id is required and must be a string"];
            else if (!UserIds.IsValid(userId = u.GetString()))
                errors["user_id"] = [$"user_id must match {UserIds.Pattern}"];

            var trackId = 0;
            if (!root.TryGetProperty("track_id", out var t) || t.ValueKind != JsonValueKind.Number)
                errors["track_id"] = ["track_id is required and must be a number"];
            else if (!t.TryGetInt32(out trackId) || trackId <= 0)
                errors["track_id"] = ["track_id must be a positive integer"];

            string? action = null;
            if (!root.TryGetProperty("action", out var a) || a.ValueKind != JsonValueKind.String)
                errors["action"] = ["action is required and must be a string"];
            else if (!Actions.All.Contains(action = a.GetString()!))
                errors["action"] = ["action must be one of listen, like, skip"];

            return errors.Count > 0
                ? new ActivityParse(null, errors)
                : new ActivityParse(new ActivityEvent(eventId.ToString(), userId!, trackId, action!, now), errors);
        }
    }
}

public sealed record ActivityParse(ActivityEvent? Event, IReadOnlyDictionary<string, string[]> Errors);
