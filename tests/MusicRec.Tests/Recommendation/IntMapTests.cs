using MusicRec.Recommendation;

namespace MusicRec.Tests.Recommendation;

public class IntMapTests
{
    [Theory]
    [InlineData(1, 50)]        // few keys: one leaf
    [InlineData(2, 3_000)]     // many leaves, splits and emptied leaves
    [InlineData(3, 100_000)]   // wide key range, mostly inserts
    public void Random_sets_and_removes_agree_with_a_dictionary_and_leave_every_earlier_version_unchanged(int seed, int keyRange)
    {
        var random = new Random(seed);
        var expected = new Dictionary<int, int>();
        var map = IntMap<int>.Empty;
        var versions = new List<(IntMap<int> Map, KeyValuePair<int, int>[] Content)>();
        for (var step = 0; step < 6_000; step++)
        {
            var key = random.Next(-keyRange, keyRange);
            if (random.Next(3) == 0)
            {
                expected.Remove(key);
                map = map.Remove(key);
            }
            else
            {
                expected[key] = step;
                map = map.SetItem(key, step);
            }
            if (step % 500 == 0) versions.Add((map, Sorted(expected)));
            var probe = random.Next(-keyRange, keyRange);
            Assert.Equal(expected.TryGetValue(probe, out var want), map.TryGetValue(probe, out var got));
            Assert.Equal(want, got);
        }
        Assert.Equal(Sorted(expected), map.ToArray());
        Assert.Equal(expected.Count, map.Count);
        foreach (var (old, content) in versions)
        {
            Assert.Equal(content, old.ToArray());
            Assert.Equal(content.Length, old.Count);
        }
        Assert.Equal(Sorted(expected), IntMap<int>.CreateRange(expected).ToArray());
    }

    [Fact]
    public void Removing_everything_gives_an_empty_map_that_takes_keys_again()
    {
        var map = IntMap<string>.Empty;
        for (var k = 0; k < 300; k++) map = map.SetItem(k * 7, $"v{k}");
        Assert.Equal("v42", map[42 * 7]);
        Assert.Throws<KeyNotFoundException>(() => map[1]);
        Assert.Same(map, map.Remove(1));
        for (var k = 299; k >= 0; k--) map = map.Remove(k * 7);
        Assert.Equal(0, map.Count);
        Assert.Empty(map);
        Assert.Equal([int.MinValue, int.MaxValue], map.SetItem(int.MaxValue, "a").SetItem(int.MinValue, "b").Keys);
    }

    private static KeyValuePair<int, int>[] Sorted(Dictionary<int, int> d) => d.OrderBy(kv => kv.Key).ToArray();
}

public class RecentEventChainsTests
{
    [Fact]
    public void Ids_that_share_a_hash_are_kept_apart_and_removed_one_by_one_in_order()
    {
        // Three ids forced onto one key, one on another.
        var events = IntMap<RecentEventEntry>.Empty;
        events = RecentEventChains.With(events, 7, "a", 1);
        events = RecentEventChains.With(events, 7, "b", 0);
        events = RecentEventChains.With(events, 7, "c", 2);
        events = RecentEventChains.With(events, 9, "d", 3);
        Assert.True(RecentEventChains.TryGet(events, 7, "b", out var b));
        Assert.Equal(0, b);
        Assert.False(RecentEventChains.TryGet(events, 7, "d", out _));

        var withoutB = RecentEventChains.Without(events, 7, "b");
        Assert.False(RecentEventChains.TryGet(withoutB, 7, "b", out _));
        Assert.Equal(new RecentEventEntry("c", 2, new RecentEventEntry("a", 1, null)), withoutB[7]);
        Assert.True(RecentEventChains.TryGet(events, 7, "b", out _));   // the earlier map is unchanged

        var none = RecentEventChains.Without(RecentEventChains.Without(withoutB, 7, "a"), 7, "c");
        Assert.False(none.ContainsKey(7));
        Assert.Same(none, RecentEventChains.Without(none, 7, "c"));
        Assert.Same(none, RecentEventChains.Without(none, 9, "x"));
        Assert.Equal(1, none.Count);
    }
}
