using System.Text;
using MusicRec.Contracts;
using MusicRec.Streaming;

namespace MusicRec.Tests.Streaming;

public class ActivityValidatorTests
{
    private static readonly Func<int, bool> Catalogue = id => id is >= 1 and <= 100;

    private static string Reason(string payload) =>
        Assert.IsType<ActivityValidation.Invalid>(ActivityValidator.Validate(payload, Catalogue)).Reason;

    [Fact]
    public void Valid_event_is_parsed()
    {
        var v = ActivityValidator.Validate(
            """{"event_id":"e1","user_id":"u42","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", Catalogue);
        var e = Assert.IsType<ActivityValidation.Valid>(v).Event;
        Assert.Equal(new ActivityEvent("e1", "u42", 2, "like", DateTimeOffset.Parse("2026-01-01T00:00:00Z")), e);
    }

    [Fact]
    public void Round_trip_of_the_wire_json_is_valid()
    {
        var e = StreamingTestData.Event("u-1_x", 7, Actions.Skip);
        Assert.Equal(e, Assert.IsType<ActivityValidation.Valid>(ActivityValidator.Validate(StreamingJson.Serialize(e), Catalogue)).Event);
    }

    [Theory]
    [InlineData("not json", "bad JSON")]
    [InlineData("[1,2]", "bad JSON: expected an object")]
    [InlineData("""{"user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "missing field event_id")]
    [InlineData("""{"event_id":"e","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "missing field user_id")]
    [InlineData("""{"event_id":"e","user_id":"u1","action":"like","ts":"2026-01-01T00:00:00Z"}""", "missing field track_id")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"ts":"2026-01-01T00:00:00Z"}""", "missing field action")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"like"}""", "missing field ts")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":"2","action":"like","ts":"2026-01-01T00:00:00Z"}""", "track_id must be an integer")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2.5,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "track_id must be an integer")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"dance","ts":"2026-01-01T00:00:00Z"}""", "unknown action 'dance'")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":999,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "unknown track 999")]
    [InlineData("""{"event_id":"e","user_id":"bad id!","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "user_id must match")]
    [InlineData("""{"event_id":"e","user_id":"u1\n","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "user_id must match")]
    [InlineData("""{"event_id":"","user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "event_id must be a non-empty string")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"like","ts":"yesterday"}""", "ts must be an ISO-8601 timestamp")]
    [InlineData("   ", "bad JSON")]
    [InlineData("null", "bad JSON: expected an object, got null")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"} x""", "bad JSON")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}{}""", "bad JSON")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z","extra":[1,{"a":}]}""", "bad JSON")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":{"id":2},"action":"like","ts":"2026-01-01T00:00:00Z"}""", "track_id must be an integer")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":null,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "track_id must be an integer")]
    [InlineData("""{"event_id":"e","user_id":"u1","track_id":-2147483648,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "unknown track -2147483648")]
    [InlineData("""{"event_id":null,"user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "missing field event_id")]
    [InlineData("""{"event_id":["e"],"user_id":"u1","track_id":2,"action":"like","ts":"2026-01-01T00:00:00Z"}""", "event_id must be a non-empty string")]
    public void Invalid_events_say_why(string payload, string reasonStart) =>
        Assert.StartsWith(reasonStart, Reason(payload));

    [Fact]
    public void Empty_and_non_utf8_payloads_are_invalid()
    {
        Assert.Equal("empty payload", Assert.IsType<ActivityValidation.Invalid>(ActivityValidator.Validate((byte[]?)null, Catalogue)).Reason);
        Assert.Equal("payload is not valid UTF-8",
            Assert.IsType<ActivityValidation.Invalid>(ActivityValidator.Validate(new byte[] { 0x7b, 0xff, 0xfe, 0x7d }, Catalogue)).Reason);
        Assert.IsType<ActivityValidation.Valid>(ActivityValidator.Validate(
            Encoding.UTF8.GetBytes("""{"event_id":"é","user_id":"u1","track_id":2,"action":"listen","ts":"2026-01-01T00:00:00Z"}"""), Catalogue));
    }

    [Fact]
    public void Other_fields_are_read_past_and_a_repeated_field_counts_as_its_last_value()
    {
        var v = ActivityValidator.Validate(
            """{"meta":{"a":[1,{"b":null}]},"event_id":"e1","user_id":"u9","track_id":5,"track_id":7,"action":"like","ts":"2026-01-01T00:00:00Z","x":1}""",
            Catalogue);
        var e = Assert.IsType<ActivityValidation.Valid>(v).Event;
        Assert.Equal(7, e.TrackId);
        Assert.Equal("u9", e.UserId);
        Assert.Equal("e\u00e9", Assert.IsType<ActivityValidation.Valid>(ActivityValidator.Validate(
            """{"event_id":"e\u00e9","user_id":"u1","track_id":2,"action":"listen","ts":"2026-01-01T00:00:00Z"}""", Catalogue)).Event.EventId);
    }
}
