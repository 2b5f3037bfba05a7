using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using MusicRec.Stores;

namespace MusicRec.Etl;

public static class StoreWriterProtocol
{
    public sealed record UpsertBatch(long Seq, IReadOnlyList<TrackDocument> Documents);
    public sealed record BatchStored(long Seq, int Count);
    public sealed record BatchFailed(long Seq, string Reason);

    /// <summary>The backoff supervisor's answer while the writer is stopped between retries.</summary>
    public sealed record WriterUnavailable
    {
        public static readonly WriterUnavailable Instance = new();
    }
}

/// <summary>
/// Upserts batches into the store and acknowledges each. A store error fails this actor on purpose: the
/// exponential-backoff supervisor around it restarts it later, and the coordinator, which keeps every batch
/// until it is acknowledged, sends it again. Upserts are idempotent by track_id, so a repeat is harmless.
/// </summary>
public sealed class StoreWriter : ReceiveActor
{
    public StoreWriter(ITrackStore store)
    {
        ReceiveAsync<StoreWriterProtocol.UpsertBatch>(async batch =>
        {
            var replyTo = Sender;
            try
            {
                await store.UpsertAsync(batch.Documents);
            }
            catch (Exception e)
            {
                Context.GetLogger().Warning("store upsert of {0} documents failed, retrying with backoff: {1}", batch.Documents.Count, e.Message);
                replyTo.Tell(new StoreWriterProtocol.BatchFailed(batch.Seq, e.Message));
                throw; // let the backoff supervisor pace the retries
            }
            replyTo.Tell(new StoreWriterProtocol.BatchStored(batch.Seq, batch.Documents.Count));
        });
    }

    public static Props Props(ITrackStore store) => Akka.Actor.Props.Create(() => new StoreWriter(store));

    /// <summary>The writer behind a BackoffSupervisor (OnFailure): retries for as long as the store keeps failing.</summary>
    public static Props PropsWithBackoff(ITrackStore store, TimeSpan minBackoff, TimeSpan maxBackoff) =>
        BackoffSupervisor.Props(
            Backoff.OnFailure(Props(store), "store-writer", minBackoff, maxBackoff, randomFactor: 0.2, maxNrOfRetries: -1)
                .WithReplyWhileStopped(StoreWriterProtocol.WriterUnavailable.Instance)
                // The writer logs one warning line per failure itself; no stack trace per retry.
                .WithSupervisorStrategy(new OneForOneStrategy(-1, -1, _ => Directive.Restart, loggingEnabled: false)));
}
