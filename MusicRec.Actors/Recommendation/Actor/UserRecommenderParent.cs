using Akka.Actor;
using Akka.Cluster.Sharding;
using static MusicRec.Recommendation.UserRecommenderProtocol;

namespace MusicRec.Recommendation;

/// <summary>
/// The no-cluster stand-in for a shard region: one child per user id, created on first message. It honours the
/// entity's <see cref="Passivate"/> request as sharding does: messages for that user arriving while it stops are
/// buffered and delivered to a fresh incarnation, so nothing is lost.
/// </summary>
public sealed class UserRecommenderParent : ReceiveActor
{
    private readonly Func<string, Props> _entityProps;
    private readonly Dictionary<string, IActorRef> _entities = new();
    private readonly Dictionary<IActorRef, string> _userOf = new();
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = new();

    public UserRecommenderParent(Func<string, Props> entityProps)
    {
        _entityProps = entityProps;
        Receive<IWithUserId>(m => Deliver(m.UserId, m, Sender));
        Receive<Passivate>(p =>
        {
            if (!_userOf.TryGetValue(Sender, out var userId) || _passivating.ContainsKey(userId)) return;
            _passivating[userId] = [];
            Sender.Tell(p.StopMessage);
        });
        Receive<Terminated>(t =>
        {
            if (!_userOf.Remove(t.ActorRef, out var userId)) return;
            _entities.Remove(userId);
            if (_passivating.Remove(userId, out var buffered) && buffered.Count > 0)
            {
                foreach (var (message, sender) in buffered) Deliver(userId, message, sender);
            }
        });
    }

    public static Props Props(Func<string, Props> entityProps) =>
        Akka.Actor.Props.Create(() => new UserRecommenderParent(entityProps));

    private void Deliver(string userId, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(userId, out var buffer))
        {
            buffer.Add((message, sender));
            return;
        }
        if (!_entities.TryGetValue(userId, out var entity))
        {
            entity = Context.ActorOf(_entityProps(userId), Uri.EscapeDataString(userId));
            Context.Watch(entity);
            _entities[userId] = entity;
            _userOf[entity] = userId;
        }
        entity.Tell(message, sender);
    }
}
