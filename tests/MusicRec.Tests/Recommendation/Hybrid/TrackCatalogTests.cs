using MusicRec.Recommendation;
using MusicRec.Recommendation.Hybrid;

namespace MusicRec.Tests.Recommendation.Hybrid;

public class TrackCatalogTests
{
    [Theory]
    [InlineData(new[] { 2, 3, 5, 155_320 })]               // dense enough for the id table
    [InlineData(new[] { 2, 3, 5, 2_000_000_000 })]         // sparse: a hash lookup
    [InlineData(new[] { -7, 2, 3, 5 })]                    // a negative id cannot index a table
    public void Every_track_is_found_by_its_id_and_no_other_id_is(int[] ids)
    {
        var catalog = new TrackCatalog(ids.Select(id => new TrackInfo(id, $"T{id}", $"A{id}", $"G{id}", null)));

        foreach (var id in ids)
        {
            Assert.True(catalog.TryGet(id, out var info));
            Assert.Equal(id, info.TrackId);
            Assert.Equal($"G{id}", catalog.GenreOf(id));
        }
        Assert.Equal(ids.Select(catalog.ArtistOf).Distinct().Count(), ids.Length);
        foreach (var other in new[] { 0, 1, 4, 6, -1, int.MaxValue, int.MinValue })
        {
            Assert.False(catalog.Contains(other));
            Assert.Equal("unknown", catalog.GenreOf(other));
        }
    }
}
