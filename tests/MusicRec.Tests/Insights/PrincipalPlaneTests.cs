using MusicRec.Contracts;
using MusicRec.Insights;
using MusicRec.Recommendation;
using MusicRec.Tests.Recommendation;

namespace MusicRec.Tests.Insights;

public class PrincipalPlaneTests
{
    [Fact]
    public void Finds_the_two_directions_of_largest_spread()
    {
        // 4-D rows (stride 5, one padding float): spread 10 along (1,1,0,0)/√2, 3 along (0,0,1,-1)/√2, 0.1 noise elsewhere.
        var random = new Random(7);
        const int n = 2000, stride = 5;
        var rows = new float[n * stride];
        var a = new double[n];
        var b = new double[n];
        for (var r = 0; r < n; r++)
        {
            a[r] = SyntheticCatalogue.Gaussian(random) * 10;
            b[r] = SyntheticCatalogue.Gaussian(random) * 3;
            var noise = SyntheticCatalogue.Gaussian(random) * 0.1;
            var row = rows.AsSpan(r * stride, stride);
            row[0] = (float)(a[r] / Math.Sqrt(2) + noise + 5);
            row[1] = (float)(a[r] / Math.Sqrt(2) - noise + 5);
            row[2] = (float)(b[r] / Math.Sqrt(2) - 2);
            row[3] = (float)(-b[r] / Math.Sqrt(2));
            row[4] = 999; // padding: must be ignored
        }

        var plane = PrincipalPlane.Project(rows, stride, 4);

        Assert.Equal(n, plane.Count);
        // Up to sign, x is the first hidden factor and y the second.
        Assert.True(Math.Abs(Correlation(a, plane, 0)) > 0.999, $"x~a: {Correlation(a, plane, 0)}");
        Assert.True(Math.Abs(Correlation(b, plane, 1)) > 0.99, $"y~b: {Correlation(b, plane, 1)}");
        Assert.InRange(plane.FirstShare, 0.9, 0.93); // 100 / (100 + 9 + 0.02)
        Assert.InRange(plane.SecondShare, 0.07, 0.09);
        Assert.InRange(Math.Abs(Enumerable.Range(0, n).Average(r => plane.X(r))), 0, 0.01 * 10 * 5); // centred
    }

    [Fact]
    public void Is_the_same_for_the_same_input_and_copes_with_one_row_or_one_dimension()
    {
        var rows = new float[] { 1, 2, 3, 4, 5, 7, 0, 1, 1 };
        Assert.Equal(PrincipalPlane.Project(rows, 3, 3).Coordinates, PrincipalPlane.Project(rows, 3, 3).Coordinates);
        Assert.Equal([0f, 0f], PrincipalPlane.Project([3, 4], 2, 2).Coordinates);
        var line = PrincipalPlane.Project([1, 2, 3], 1, 1);
        Assert.Equal([-1f, 0f, 0f, 0f, 1f, 0f], line.Coordinates);
        Assert.Throws<ArgumentException>(() => PrincipalPlane.Project([1, 2, 3], 2, 2));
    }

    [Fact]
    public void The_catalogue_map_has_one_point_per_indexed_track_with_its_genre()
    {
        var tracks = Enumerable.Range(1, 30).Select(i => new TrackInfo(i, $"t{i}", "a", i % 3 == 0 ? "Rock" : i % 3 == 1 ? "Jazz" : "", null)).ToList();
        var random = new Random(3);
        var vectors = tracks.Select(t => Enumerable.Range(0, 6).Select(_ => (float)random.NextDouble()).ToArray()).ToList();
        var index = SimilarityIndex.FromVectors(tracks, vectors);

        var map = CatalogueMap.From(index);

        Assert.Equal(30, map.Count);
        Assert.Equal(tracks.Select(t => t.TrackId), map.TrackIds);
        Assert.Equal(3, map.Genres.Count);
        Assert.Contains(CatalogueMap.UnknownGenre, map.Genres);
        Assert.Equal("Rock", map.Genres[map.Genre[2]]);
        Assert.Equal(CatalogueMap.UnknownGenre, map.Genres[map.Genre[1]]);
        Assert.True(map.X.Distinct().Count() > 20);
    }

    private static double Correlation(double[] truth, PrincipalPlaneResult plane, int axis)
    {
        var n = truth.Length;
        var p = Enumerable.Range(0, n).Select(r => (double)(axis == 0 ? plane.X(r) : plane.Y(r))).ToArray();
        double ma = truth.Average(), mp = p.Average(), sab = 0, saa = 0, spp = 0;
        for (var i = 0; i < n; i++) { sab += (truth[i] - ma) * (p[i] - mp); saa += (truth[i] - ma) * (truth[i] - ma); spp += (p[i] - mp) * (p[i] - mp); }
        return sab / Math.Sqrt(saa * spp);
    }
}
