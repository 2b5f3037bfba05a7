using System.Collections.Immutable;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Serialization;
using Google.Protobuf;
using MusicRec.Contracts;
using Proto = MusicRec.Recommendation.Serialization.Proto;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// The recommender's serializer: journal events and snapshots as the protobuf messages of recommender.proto (journal
/// format 2, docs/journal.md); the protocol messages that cross nodes under sharding as JSON. Short string manifests
/// keep the journal independent of CLR type names.
/// </summary>
public sealed class RecommenderSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 7301;
    public const string Name = "musicrec-recommender";
    private const string ActivitiesManifest = "activities-v2";
    private const string SnapshotManifest = "snapshot-v2";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(ActivitiesRecorded)] = ActivitiesManifest,
        [typeof(UserTasteSnapshot)] = SnapshotManifest,
        [typeof(ApplyActivity)] = "apply",
        [typeof(ActivityApplied)] = "applied",
        [typeof(ActivityRefused)] = "refused",
        [typeof(GetUserState)] = "get",
        [typeof(UserStateView)] = "view",
        [typeof(StopEntity)] = "stop",
    };

    /// <summary>The types bound to this serializer (Akka.Hosting's <c>WithCustomSerializer</c> takes them).</summary>
    public static IReadOnlyCollection<Type> BoundTypes => Manifests.Keys;

    /// <summary>The same binding for an ActorSystem built without Akka.Hosting.</summary>
    public static ActorSystemSetup AddTo(ActorSystemSetup setup) =>
        setup.And(SerializationSetup.Create(system =>
            ImmutableHashSet.Create(SerializerDetails.Create(Name, new RecommenderSerializer(system), BoundTypes.ToImmutableHashSet()))));

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m)
            ? m
            : throw new ArgumentException($"{nameof(RecommenderSerializer)} cannot serialise {o.GetType()}", nameof(o));

    public override byte[] ToBinary(object obj) => obj switch
    {
        StopEntity => [],
        ActivitiesRecorded activities => ToProto(activities).ToByteArray(),
        UserTasteSnapshot snapshot => ToProto(snapshot).ToByteArray(),
        _ => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        ActivitiesManifest => FromProto(Proto.ActivitiesRecorded.Parser.ParseFrom(bytes)),
        SnapshotManifest => FromProto(Proto.UserTasteSnapshot.Parser.ParseFrom(bytes)),
        "apply" => Read<ApplyActivity>(bytes, manifest),
        "applied" => Read<ActivityApplied>(bytes, manifest),
        "refused" => Read<ActivityRefused>(bytes, manifest),
        "get" => Read<GetUserState>(bytes, manifest),
        "view" => Read<UserStateView>(bytes, manifest),
        "stop" => StopEntity.Instance,
        // Format 1 (ar, ars, arb, snap) was never released: its rows are not read (docs/journal.md).
        _ => throw new SerializationException($"{nameof(RecommenderSerializer)}: unknown manifest '{manifest}' (the journal holds format {JournalFormat.Version} only)"),
    };

    private static T Read<T>(byte[] bytes, string manifest) =>
        JsonSerializer.Deserialize<T>(bytes, Json)
        ?? throw new SerializationException($"{nameof(RecommenderSerializer)}: '{manifest}' payload is null");

    private static Proto.ActivitiesRecorded ToProto(ActivitiesRecorded value)
    {
        var message = new Proto.ActivitiesRecorded();
        foreach (var a in value.Activities)
        {
            var recorded = new Proto.ActivityRecorded { EventId = a.EventId, TrackId = a.TrackId, Action = ToProto(a.Action), Ts = ToProto(a.Ts) };
            foreach (var s in a.Suggestions) recorded.Suggestions.Add(new Proto.Choice { TrackId = s.TrackId, Score = s.Score, Source = s.Source, Because = s.Because });
            message.Activities.Add(recorded);
        }
        return message;
    }

    private static ActivitiesRecorded FromProto(Proto.ActivitiesRecorded message)
    {
        var activities = new ActivityRecorded[message.Activities.Count];
        for (var i = 0; i < activities.Length; i++)
        {
            var a = message.Activities[i];
            activities[i] = new ActivityRecorded(a.EventId, a.TrackId, FromProto(a.Action), FromProto(a.Ts),
                a.Suggestions.Select(s => new Choice(s.TrackId, s.Score, SourceOrAudio(s.Source), s.Because)).ToArray());
        }
        return new ActivitiesRecorded(activities);
    }

    private static Proto.UserTasteSnapshot ToProto(UserTasteSnapshot s)
    {
        var message = new Proto.UserTasteSnapshot
        {
            UserId = s.UserId, EventsApplied = s.EventsApplied, BatchSequence = s.BatchSequence, EventsSinceBatch = s.EventsSinceBatch,
        };
        message.Profile.Add(s.Profile);
        message.History.Add(s.History.Select(ToProto));
        message.Recommended.Add(s.Recommended);
        message.Pending.Add(s.Pending.Select(ToProto));
        message.RecentEvents.Add(s.RecentEvents.Select(r => new Proto.RecentEvent { EventId = r.EventId, CompletedBatch = r.CompletedBatch }));
        foreach (var b in s.RecentBatches)
        {
            var batch = new Proto.Batch { BatchId = b.BatchId, GeneratedAt = ToProto(b.GeneratedAt) };
            batch.Tracks.Add(b.Tracks.Select(ToProto));
            message.RecentBatches.Add(batch);
        }
        return message;
    }

    private static UserTasteSnapshot FromProto(Proto.UserTasteSnapshot m) => new(
        m.UserId,
        m.Profile.ToArray(),
        m.History.Select(FromProto).ToArray(),
        m.Recommended.ToArray(),
        m.Pending.Select(FromProto).ToArray(),
        m.EventsApplied,
        m.BatchSequence,
        m.RecentEvents.Select(r => new RecentEvent(r.EventId, r.CompletedBatch)).ToArray(),
        m.RecentBatches.Select(b => new RecommendationBatch(b.BatchId, m.UserId, FromProto(b.GeneratedAt), b.Tracks.Select(FromProto).ToArray())).ToArray(),
        // Before 2.2 every event added one pending track, so the pending count is the events since the batch.
        Math.Max(m.EventsSinceBatch, m.Pending.Count));

    private static Proto.HistoryEntry ToProto(HistoryEntry h) => new() { TrackId = h.TrackId, Action = ToProto(h.Action) };

    private static HistoryEntry FromProto(Proto.HistoryEntry h) => new(h.TrackId, FromProto(h.Action));

    private static Proto.Track ToProto(RecommendedTrack t) =>
        new() { TrackId = t.TrackId, Title = t.Title, Artist = t.Artist, Genre = t.Genre, Score = t.Score, Because = t.Because, Source = t.Source };

    private static RecommendedTrack FromProto(Proto.Track t) => new(t.TrackId, t.Title, t.Artist, t.Genre, t.Score, t.Because, SourceOrAudio(t.Source));

    /// <summary>Format 2 rows have no source: audio similarity was the only one then.</summary>
    private static string SourceOrAudio(string source) => source.Length == 0 ? "audio" : source;

    private static Proto.Instant ToProto(DateTimeOffset ts) => new() { UtcTicks = ts.UtcTicks, OffsetMinutes = (int)ts.Offset.TotalMinutes };

    private static DateTimeOffset FromProto(Proto.Instant? ts) => ts is null
        ? throw new SerializationException("recommender journal: a timestamp is missing")
        : new DateTimeOffset(ts.UtcTicks + TimeSpan.FromMinutes(ts.OffsetMinutes).Ticks, TimeSpan.FromMinutes(ts.OffsetMinutes));

    private static Proto.Action ToProto(string action) => action switch
    {
        Actions.Listen => Proto.Action.Listen,
        Actions.Like => Proto.Action.Like,
        Actions.Skip => Proto.Action.Skip,
        _ => throw new SerializationException($"recommender journal: unknown action '{action}'"),
    };

    // The shared constants, not new strings: the action is kept in every history entry.
    private static string FromProto(Proto.Action action) => action switch
    {
        Proto.Action.Listen => Actions.Listen,
        Proto.Action.Like => Actions.Like,
        Proto.Action.Skip => Actions.Skip,
        _ => throw new SerializationException($"recommender journal: unknown action {action}"),
    };
}

/// <summary>The journal format this code writes and reads (docs/journal.md).</summary>
public static class JournalFormat
{
    public const int Version = 2;
}
