using System.Text;
using MusicRec.Contracts;

namespace MusicRec.Recommendation;

/// <summary>
/// The journal's binary form of <see cref="ActivitiesRecorded"/> (manifest <c>arb</c>): written for every event the
/// recommender stores, so it is about a third of the JSON form (no property names, the track vector as raw floats, the
/// action as one byte). Smaller rows are less to serialise, to encode into the insert and to write.
/// Layout (little-endian): version byte 1, activity count, then per activity: event id, track id, action, timestamp
/// (UTC ticks and offset minutes), vector (-1 for none, else its length and floats), suggestion (0/1 then its fields).
/// Strings are length-prefixed UTF-8 with a presence byte, so a null survives the round trip.
/// </summary>
public static class ActivitiesBinaryFormat
{
    private const byte Version = 1;
    private const byte OtherAction = 255;
    private static readonly string[] ActionCodes = [Actions.Listen, Actions.Like, Actions.Skip];

    public static byte[] Write(ActivitiesRecorded value)
    {
        using var stream = new MemoryStream(64 + value.Activities.Count * 320);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write7BitEncodedInt(value.Activities.Count);
            foreach (var a in value.Activities) Write(w, a);
        }
        return stream.ToArray();
    }

    public static ActivitiesRecorded Read(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        var version = r.ReadByte();
        if (version != Version)
            throw new System.Runtime.Serialization.SerializationException($"activities recorded: unknown binary version {version}");
        var count = r.Read7BitEncodedInt();
        var activities = new ActivityRecorded[count];
        for (var i = 0; i < count; i++) activities[i] = ReadActivity(r);
        return new ActivitiesRecorded(activities);
    }

    private static void Write(BinaryWriter w, ActivityRecorded a)
    {
        WriteString(w, a.EventId);
        w.Write(a.TrackId);
        var code = Array.IndexOf(ActionCodes, a.Action);
        if (code >= 0) w.Write((byte)code);
        else
        {
            w.Write(OtherAction);
            WriteString(w, a.Action);
        }
        w.Write(a.Ts.UtcTicks);
        w.Write((short)a.Ts.Offset.TotalMinutes);
        if (a.TrackVector is null) w.Write(-1);
        else
        {
            w.Write(a.TrackVector.Length);
            foreach (var f in a.TrackVector) w.Write(f);
        }
        if (a.Suggestion is not { } s)
        {
            w.Write((byte)0);
            return;
        }
        w.Write((byte)1);
        w.Write(s.TrackId);
        WriteString(w, s.Title);
        WriteString(w, s.Artist);
        WriteString(w, s.Genre);
        w.Write(s.Score);
        WriteString(w, s.Because);
    }

    private static ActivityRecorded ReadActivity(BinaryReader r)
    {
        var eventId = ReadString(r)!;
        var trackId = r.ReadInt32();
        var code = r.ReadByte();
        var action = code < ActionCodes.Length ? ActionCodes[code]
            : code == OtherAction ? ReadString(r)!
            : throw new System.Runtime.Serialization.SerializationException($"activities recorded: unknown action code {code}");
        var ticks = r.ReadInt64();
        var offset = TimeSpan.FromMinutes(r.ReadInt16());
        var ts = new DateTimeOffset(ticks + offset.Ticks, offset);
        var length = r.ReadInt32();
        float[]? vector = null;
        if (length >= 0)
        {
            vector = new float[length];
            for (var i = 0; i < length; i++) vector[i] = r.ReadSingle();
        }
        RecommendedTrack? suggestion = null;
        if (r.ReadByte() == 1)
            suggestion = new RecommendedTrack(r.ReadInt32(), ReadString(r)!, ReadString(r)!, ReadString(r)!, r.ReadDouble(), ReadString(r)!);
        return new ActivityRecorded(eventId, trackId, action, ts, vector, suggestion);
    }

    private static void WriteString(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

    private static string? ReadString(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
