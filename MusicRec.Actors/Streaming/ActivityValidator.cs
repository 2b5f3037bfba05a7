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
        // Checked first, so a bad byte is reported as such and not as bad JSON.
        if (!System.Text.Unicode.Utf8.IsValid(payload)) return new ActivityValidation.Invalid("payload is not valid UTF-8");
        return Validate(payload.AsSpan(), trackExists);
    }

    public static ActivityValidation Validate(string payload, Func<int, bool> trackExists) =>
        Validate(Encoding.UTF8.GetBytes(payload).AsSpan(), trackExists);

    /// <summary>
    /// Read in one pass with <see cref="Utf8JsonReader"/>: every event is checked twice (by the pipeline and by the
    /// listening model), and a document tree per check was 6 % of the service's CPU. Only the five fields are kept
    /// (the last one of a repeated name, as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> does);
    /// the rest of the document is still read to its end, so malformed JSON anywhere is refused.
    /// </summary>
    private static ActivityValidation Validate(ReadOnlySpan<byte> payload, Func<int, bool> trackExists)
    {
        Field eventIdField = default, userIdField = default, actionField = default, tsField = default, trackField = default;
        try
        {
            var reader = new Utf8JsonReader(payload);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
                return new ActivityValidation.Invalid($"bad JSON: expected an object, got {KindOf(reader.TokenType)}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals("event_id"u8) ? 0 : reader.ValueTextEquals("user_id"u8) ? 1
                    : reader.ValueTextEquals("track_id"u8) ? 2 : reader.ValueTextEquals("action"u8) ? 3 : reader.ValueTextEquals("ts"u8) ? 4 : -1;
                reader.Read();
                if (name >= 0)
                {
                    var field = new Field(reader.TokenType,
                        reader.TokenType == JsonTokenType.String ? reader.GetString() : null,
                        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) ? n : null);
                    switch (name)
                    {
                        case 0: eventIdField = field; break;
                        case 1: userIdField = field; break;
                        case 2: trackField = field; break;
                        case 3: actionField = field; break;
                        default: tsField = field; break;
                    }
                }
                reader.Skip();
            }
            // Whatever follows the object must be nothing: the reader throws on trailing content.
            while (reader.Read()) { }
        }
        catch (JsonException e)
        {
            return new ActivityValidation.Invalid($"bad JSON: {e.Message}");
        }

        if (!TryString(eventIdField, "event_id", out var eventId, out var why)) return new ActivityValidation.Invalid(why);
        if (eventId.Length > 128) return new ActivityValidation.Invalid("event_id is longer than 128 characters");
        if (!TryString(userIdField, "user_id", out var userId, out why)) return new ActivityValidation.Invalid(why);
        if (!UserIds.IsValid(userId)) return new ActivityValidation.Invalid($"user_id must match {UserIds.Pattern}");
        if (!trackField.Present) return new ActivityValidation.Invalid("missing field track_id");
        if (trackField.Integer is not { } trackId) return new ActivityValidation.Invalid("track_id must be an integer");
        if (!TryString(actionField, "action", out var action, out why)) return new ActivityValidation.Invalid(why);
        // The shared constant, not the parsed copy: the action is kept in every history entry of the user's state.
        if (Actions.Canonical(action) is not { } known) return new ActivityValidation.Invalid($"unknown action '{action}' (expected listen, like or skip)");
        if (!TryString(tsField, "ts", out var tsText, out why)) return new ActivityValidation.Invalid(why);
        if (!DateTimeOffset.TryParse(tsText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts))
            return new ActivityValidation.Invalid("ts must be an ISO-8601 timestamp");
        if (!trackExists(trackId)) return new ActivityValidation.Invalid($"unknown track {trackId}");
        return new ActivityValidation.Valid(new ActivityEvent(eventId, userId, trackId, known, ts));
    }

    /// <summary>One field as read: its token (None: absent), its text when a string, its value when an int32.</summary>
    private readonly record struct Field(JsonTokenType Token, string? Text, int? Integer)
    {
        public bool Present => Token != JsonTokenType.None;
    }

    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => "null",
    };

    private static bool TryString(Field field, string name, out string value, out string why)
    {
        value = "";
        why = "";
        if (!field.Present || field.Token == JsonTokenType.Null)
        {
            why = $"missing field {name}";
            return false;
        }
        if (string.IsNullOrWhiteSpace(field.Text))
        {
            why = $"{name} must be a non-empty string";
            return false;
        }
        value = field.Text;
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
