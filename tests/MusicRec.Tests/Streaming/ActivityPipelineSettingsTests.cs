using MusicRec.Recommendation;
using MusicRec.Streaming;

namespace MusicRec.Tests.Streaming;

public class ActivityPipelineSettingsTests
{
    [Fact]
    public void The_default_in_flight_limit_lets_every_redelivered_event_find_its_batch()
    {
        Assert.Null(new ActivityPipelineSettings().RedeliveryProblem(new TasteSettings()));
        Assert.Equal(3 * new TasteSettings().MaxRecentBatches, new ActivityPipelineSettings().MaxInFlightPerUser);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31)]
    public void A_limit_the_recommenders_batches_do_not_cover_is_one_clear_error(int limit)
    {
        var problem = new ActivityPipelineSettings { MaxInFlightPerUser = limit }.RedeliveryProblem(new TasteSettings { MaxRecentBatches = 10 });
        Assert.Equal($"max-in-flight-per-user is {limit}, but it must be between 1 and 30 (3 x the 10 batches each user's recommender keeps): " +
                     "otherwise an event redelivered after a crash may find its batch forgotten and the batch is lost", problem);
        Assert.Null(new ActivityPipelineSettings { MaxInFlightPerUser = 30 }.RedeliveryProblem(new TasteSettings { MaxRecentBatches = 10 }));
    }
}
