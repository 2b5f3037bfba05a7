using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MusicRec.Contracts;

namespace MusicRec.Streaming;

/// <summary>The outcome of checking one <c>user_activity</c> payload: a valid event or the reason it is not.</summary>
public abstract record ActivityValidation
{
    public sealed record Valid(ActivityEvent Event) : ActivityValidation;
    public sealed record Invalid(string Reason) : ActivityValidation;
}

/// <summary>Checks a raw <c>user_activity</c> payload against SPEC.md and the catalogue.</summary>
public static class ActivityValidator
{
    public static ActivityValidation Validate(byte[]? payload, Func<int, bool> trackExists)
    {
        if (payload is null || payload.Length == 0) return new ActivityValidation.Invalid("empty payload");
        // Checked, then parsed from the bytes: no string of the whole payload is made for every event.
        if (!System.Text.Unicode.Utf8.IsValid(payload)) return new ActivityValidation.Invalid("payload is not valid UTF-8");
        return Parsed(payload, static p => JsonDocument.Parse(p), trackExists);
    }

    public static ActivityValidation Validate(string payload, Func<int, bool> trackExists) =>
        Parsed(payload, static p => JsonDocument.Parse(p), trackExists);

    private static ActivityValidation Parsed<T>(T payload, Func<T, JsonDocument> parse, Func<int, bool> trackExists)
    {
        JsonDocument doc;
        try
        {
            doc = parse(payload);
        }
        catch (JsonException e)
        {
            return new ActivityValidation.Invalid($"bad JSON: {e.Message}");
        }
        return Validate(doc, trackExists);
    }

    private static ActivityValidation Validate(JsonDocument doc, Func<int, bool> trackExists)
    {
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new ActivityValidation.Invalid($"bad JSON: expected an object, got {root.ValueKind.ToString().ToLowerInvariant()}");

            if (!TryString(root, "event_id", out var eventId, out var why)) return new ActivityValidation.Invalid(why);
            if (eventId.Length > 128) return new ActivityValidation.Invalid("event_id is longer than 128 characters");
            if (!TryString(root, "user_id", out var userId, out why)) return new ActivityValidation.Invalid(why);
            if (!UserIds.IsValid(userId)) return new ActivityValidation.Invalid($"user_id must match {UserIds.Pattern}");
            if (!root.TryGetProperty("track_id", out var trackProp)) return new ActivityValidation.Invalid("missing field track_id");
            if (trackProp.ValueKind != JsonValueKind.Number || !trackProp.TryGetInt32(out var trackId))
                return new ActivityValidation.Invalid("track_id must be an integer");
            if (!TryString(root, "action", out var action, out why)) return new ActivityValidation.Invalid(why);
            // The shared constant, not the parsed copy: the action is kept in every history entry of the user's state.
            if (Actions.Canonical(action) is not { } known) return new ActivityValidation.Invalid($"unknown action '{action}' (expected listen, like or skip)");
            if (!TryString(root, "ts", out var tsText, out why)) return new ActivityValidation.Invalid(why);
            if (!DateTimeOffset.TryParse(tsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
                return new ActivityValidation.Invalid("ts must be an ISO-8601 timestamp");
            if (!trackExists(trackId)) return new ActivityValidation.Invalid($"unknown track {trackId}");
            return new ActivityValidation.Valid(new ActivityEvent(eventId, userId, trackId, known, ts));
        }
    }

    private static bool TryString(JsonElement root, string name, out string value, out string why)
    {
        value = "";
        why = "";
        if (!root.TryGetProperty(name, out var prop) || prop.ValueKind == JsonValueKind.Null)
        {
            why = $"missing field {name}";
            return false;
        }
        var text = prop.ValueKind == JsonValueKind.String ? prop.GetString() : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            why = $"{name} must be a non-empty string";
            return false;
        }
        value = text;
        return true;
    }
}

/// <summary>One <c>user_activity.dlq</c> record: the original payload, why it was set aside, and where it came from.</summary>
public sealed record DeadLetter(
    [property: JsonPropertyName("payload")] string Payload,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("offset")] long Offset);

/// <summary>The wire JSON of the streaming messages (SPEC.md field names come from the records' attributes).</summary>
public static class StreamingJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>What goes on the wire: the UTF-8 bytes at once, without a string in between.</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);
}
