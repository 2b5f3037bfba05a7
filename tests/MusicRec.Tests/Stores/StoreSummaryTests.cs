using MusicRec.Stores;

namespace MusicRec.Tests.Stores;

public class StoreSummaryTests
{
    [Fact]
    public async Task Summary_gives_the_count_and_the_first_documents()
    {
        using var temp = new TempFolder();
        await using var store = new SqliteTrackStore(temp.File("s.db"));
        await store.UpsertAsync(TestDocuments.Range(10, 8).AsEnumerable().Reverse().ToList());
        var text = await StoreSummary.DescribeAsync(store, sample: 3);
        var lines = text.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Contains("8 track documents", lines[0]);
        Assert.Contains("\"track_id\":10,", lines[1]);
        Assert.Contains("\"track_id\":11,", lines[2]);
        Assert.Contains("\"track_id\":12,", lines[3]);
        Assert.Contains("\"MFCCs\":[", lines[1]);
        Assert.Contains("\"File_Name\":\"000/000010.mp3\"", lines[1]);
    }

    [Fact]
    public async Task Summary_of_an_empty_store_says_zero()
    {
        await using var store = new InMemoryTrackStore();
        Assert.Equal("in-memory: 0 track documents", await StoreSummary.DescribeAsync(store));
    }

    [Fact]
    public async Task Count_check_fails_when_the_count_is_not_what_was_written()
    {
        await using var store = new InMemoryTrackStore(TestDocuments.Range(1, 4));
        Assert.Equal(4, await StoreSummary.VerifyCountAsync(store, 4));
        var e = await Assert.ThrowsAsync<StoreException>(() => StoreSummary.VerifyCountAsync(store, 5));
        Assert.Contains("holds 4", e.Message);
        Assert.Contains("5 were written", e.Message);
    }
}
