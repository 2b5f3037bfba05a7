using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using MusicRec.Recommendation;
using static MusicRec.Recommendation.UserRecommenderProtocol;
using static MusicRec.Tests.Recommendation.RecommenderTestKit;

namespace MusicRec.Tests.Recommendation;

/// <summary>An in-memory journal that rejects (as a journal that cannot serialise it would) any write holding a marked event.</summary>
public sealed class RejectingJournal : MemoryJournal
{
    public const string Marker = "reject";

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var results = new List<Exception?>();
        foreach (var write in messages)
        {
            var payloads = ((IEnumerable<IPersistentRepresentation>)write.Payload).Select(p => p.Payload);
            if (payloads.OfType<ActivitiesRecorded>().Any(a => a.Activities.Any(e => e.EventId.Contains(Marker))))
            {
                results.Add(new InvalidOperationException("cannot store this event"));
                continue;
            }
            var stored = await base.WriteMessagesAsync([write], cancellationToken);
            results.Add(stored?.FirstOrDefault());
        }
        return results.ToImmutableList();
    }
}

public class JournalRejectionTests() : Akka.TestKit.Xunit2.TestKit(SetupFor(PersistenceOptions.InMemory(), ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.rejecting"
        akka.persistence.journal.rejecting {
          class = "{{typeof(RejectingJournal).AssemblyQualifiedName}}"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """)))
{
    private static readonly SimilarityIndex Index = SyntheticCatalogue.Index(30, seed: 5);

    [Fact]
    public async Task A_write_the_journal_rejects_fails_its_events_and_the_user_goes_on_from_the_stored_state()
    {
        var parent = LocalParent(Sys, Index, new RecommenderOptions { UseSharding = false, IdleTimeout = null });
        int Track(int i) => Index.Tracks[i].TrackId;
        var first = await Send(parent, "u1", 1, Track(0));
        Assert.False(first.Duplicate);

        var rejected = new ApplyActivity("u1", Event("u1", 2, Track(1)) with { EventId = $"u1-{RejectingJournal.Marker}" });
        var refusal = await Assert.ThrowsAnyAsync<Exception>(() => parent.Ask<ActivityApplied>(rejected, AskTimeout));
        Assert.Contains("journal rejected", refusal.Message);

        // Not stuck behind the refused write, and the refused event changed nothing.
        await Send(parent, "u1", 3, Track(2));
        var third = await Send(parent, "u1", 4, Track(3));
        Assert.Equal("u1-1", Assert.Single(third.Batches).BatchId);
        var view = await View(parent, "u1");
        Assert.Equal(3, view.EventsApplied);
        Assert.DoesNotContain(Track(1), view.RecentTracks);
    }
}
