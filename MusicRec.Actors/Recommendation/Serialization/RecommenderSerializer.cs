using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// JSON (System.Text.Json) for the recommender's snapshots and the messages that cross nodes under sharding; the
/// journal's events (<see cref="ActivitiesRecorded"/>, one per write) in a compact binary form. Short string
/// manifests keep the journal readable and independent of CLR type names.
/// </summary>
public sealed class RecommenderSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 7301;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General) { IncludeFields = false };

    private static readonly Dictionary<Type, string> Manifests = new()
    {
        [typeof(ActivityRecorded)] = "ar",
        // Binary (ActivitiesBinaryFormat); "ars" rows written before it are JSON and still read.
        [typeof(ActivitiesRecorded)] = "arb",
        [typeof(UserTasteSnapshot)] = "snap",
        [typeof(ApplyActivity)] = "apply",
        [typeof(ActivityApplied)] = "applied",
        [typeof(ActivityRefused)] = "refused",
        [typeof(GetUserState)] = "get",
        [typeof(UserStateView)] = "view",
        [typeof(StopEntity)] = "stop",
    };

    /// <summary>HOCON that binds the recommender's types to this serializer.</summary>
    public static readonly Config Config = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.musicrec-recommender = "{{typeof(RecommenderSerializer).AssemblyQualifiedName}}"
          serialization-identifiers."{{typeof(RecommenderSerializer).AssemblyQualifiedName}}" = {{SerializerId}}
          serialization-bindings {
        {{string.Join("\n", Manifests.Keys.Select(t => $"    \"{t.FullName}, {t.Assembly.GetName().Name}\" = musicrec-recommender"))}}
          }
        }
        """);

    public RecommenderSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m)
            ? m
            : throw new ArgumentException($"{nameof(RecommenderSerializer)} cannot serialise {o.GetType()}", nameof(o));

    public override byte[] ToBinary(object obj) => obj switch
    {
        StopEntity => [],
        ActivitiesRecorded activities => ActivitiesBinaryFormat.Write(activities),
        _ => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "ar" => Read<ActivityRecorded>(bytes, manifest),
        "ars" => Read<ActivitiesRecorded>(bytes, manifest),
        "arb" => ActivitiesBinaryFormat.Read(bytes),
        "snap" => Read<UserTasteSnapshot>(bytes, manifest),
        "apply" => Read<ApplyActivity>(bytes, manifest),
        "applied" => Read<ActivityApplied>(bytes, manifest),
        "refused" => Read<ActivityRefused>(bytes, manifest),
        "get" => Read<GetUserState>(bytes, manifest),
        "view" => Read<UserStateView>(bytes, manifest),
        "stop" => StopEntity.Instance,
        _ => throw new System.Runtime.Serialization.SerializationException($"{nameof(RecommenderSerializer)}: unknown manifest '{manifest}'"),
    };

    private static T Read<T>(byte[] bytes, string manifest) =>
        JsonSerializer.Deserialize<T>(bytes, Json)
        ?? throw new System.Runtime.Serialization.SerializationException($"{nameof(RecommenderSerializer)}: '{manifest}' payload is null");
}
