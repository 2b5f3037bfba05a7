using MusicRec.Dsp;
using Xunit.Abstractions;

namespace MusicRec.Tests.Dsp;

public class SpectralMathTests(ITestOutputHelper output)
{
    [Fact]
    public void Periodic_hann_is_scipys_fftbins_window()
    {
        var w = AnalysisWindow.PeriodicHann(2048);
        Assert.Equal(0f, w[0]);
        Assert.Equal(1f, w[1024]);
        // Periodic: w[i] == w[n - i]; the symmetric window NWaves builds would make w[n-1] == 0 instead.
        for (var i = 1; i < 2048; i++) Assert.Equal(w[i], w[2048 - i], 6);
        Assert.Equal(0.5 - 0.5 * Math.Cos(2 * Math.PI * 300 / 2048), w[300], 6);
    }

    [Fact]
    public void Centred_framing_counts_and_zero_pads_like_librosa()
    {
        Assert.Equal(1292, Framing.CentredFrameCount(661500, 512));
        Assert.Equal(1, Framing.CentredFrameCount(100, 512));
        var signal = Enumerable.Range(1, 3000).Select(i => (float)i).ToArray();
        var frame = new float[2048];
        Framing.CentredZeroPadded(signal, 0, 512, frame);
        Assert.All(frame[..1024], x => Assert.Equal(0f, x));
        Assert.Equal(1f, frame[1024]);
        Framing.CentredZeroPadded(signal, 5, 512, frame); // centred on sample 2560: starts at 1536
        Assert.Equal(1537f, frame[0]);
        Assert.Equal(3000f, frame[1463]);
        Assert.All(frame[1464..], x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Dct_basis_matches_nwaves_orthonormal_dct2()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 128).Select(_ => (float)(random.NextDouble() * 100 - 50)).ToArray();
        var ours = new float[20];
        Dct.Apply(Dct.OrthonormalDct2Basis(128, 20), x, ours);
        var theirs = new float[128];
        new NWaves.Transforms.Dct2(128).DirectNorm(x, theirs);
        var maxDiff = ours.Select((v, k) => Math.Abs(v - theirs[k])).Max();
        output.WriteLine($"max |dct - nwaves dct| = {maxDiff:E2}");
        Assert.True(maxDiff < 1e-3, $"max difference {maxDiff}");
        // The orthonormal scaling: a constant vector of ones gives c0 = sqrt(N) and nothing else.
        Dct.Apply(Dct.OrthonormalDct2Basis(128, 20), Enumerable.Repeat(1f, 128).ToArray(), ours);
        Assert.Equal(Math.Sqrt(128), ours[0], 4);
        Assert.All(ours[1..], c => Assert.True(Math.Abs(c) < 1e-5));
    }

    /// <summary>librosa.filters.mel(sr=22050, n_fft=2048, n_mels=128) written out independently (Slaney scale, slaney norm).</summary>
    private static double[,] LibrosaMelReference()
    {
        static double HzToMel(double f) => f < 1000 ? f / (200.0 / 3) : 15 + Math.Log(f / 1000) / (Math.Log(6.4) / 27);
        static double MelToHz(double m) => m < 15 ? m * (200.0 / 3) : 1000 * Math.Exp((Math.Log(6.4) / 27) * (m - 15));
        const int mels = 128, bins = 1025;
        var melF = new double[mels + 2];
        var top = HzToMel(11025);
        for (var i = 0; i < mels + 2; i++) melF[i] = MelToHz(top * i / (mels + 1));
        var weights = new double[mels, bins];
        for (var m = 0; m < mels; m++)
            for (var k = 0; k < bins; k++)
            {
                var f = k * 22050.0 / 2048;
                var lower = (f - melF[m]) / (melF[m + 1] - melF[m]);
                var upper = (melF[m + 2] - f) / (melF[m + 2] - melF[m + 1]);
                weights[m, k] = Math.Max(0, Math.Min(lower, upper)) * 2 / (melF[m + 2] - melF[m]);
            }
        return weights;
    }

    [Fact]
    public void Slaney_mel_bank_from_nwaves_matches_librosas_formula()
    {
        var bank = MelFilterBank.Slaney(128, 2048, 22050, 0, 11025).ToDense();
        var reference = LibrosaMelReference();
        double maxDiff = 0, maxWeight = 0;
        for (var m = 0; m < 128; m++)
            for (var k = 0; k < 1025; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(bank[m][k] - reference[m, k]));
                maxWeight = Math.Max(maxWeight, reference[m, k]);
            }
        output.WriteLine($"max |w - w_librosa| = {maxDiff:E2} (largest weight {maxWeight:E2})");
        Assert.True(maxDiff < 1e-6 * maxWeight * 10, $"max difference {maxDiff}");
    }

    [Fact]
    public void Sparse_mel_bank_gives_the_dense_product_and_stores_few_weights()
    {
        var bank = MelFilterBank.Slaney(128, 2048, 22050, 0, 11025);
        var dense = bank.ToDense();
        var random = new Random(5);
        var power = Enumerable.Range(0, 1025).Select(_ => (float)random.NextDouble()).ToArray();
        var mel = new float[128];
        bank.Apply(power, mel);
        for (var m = 0; m < 128; m++)
        {
            var expected = 0.0;
            for (var k = 0; k < 1025; k++) expected += dense[m][k] * power[k];
            Assert.Equal(expected, mel[m], Math.Max(1e-6, expected * 1e-5));
        }
        output.WriteLine($"stored weights: {bank.StoredWeights} of {128 * 1025}");
        Assert.True(bank.StoredWeights < 3 * 1025);
    }

    [Fact]
    public void Power_to_db_floors_at_1e_minus_10_and_clamps_80_db_below_the_clip_maximum()
    {
        float[] values = [1f, 0f, 1e-3f, 1e-12f, 100f];
        var max = Decibels.PowerToDb(values);
        Assert.Equal(20f, max, 4);
        Assert.Equal([0f, -100f, -30f, -100f, 20f], values, (a, b) => Math.Abs(a - b) < 1e-4);
        Decibels.ClampBelowTop(values, max, 80f);
        Assert.Equal([0f, -60f, -30f, -60f, 20f], values, (a, b) => Math.Abs(a - b) < 1e-4);
    }

    [Fact]
    public void Centroid_of_a_single_bin_is_its_frequency_and_silence_gives_zero()
    {
        var power = new float[1025];
        var bins = SpectralShape.BinIndices(1025);
        power[100] = 4f;
        Assert.Equal(100 * 22050.0 / 2048, SpectralShape.Centroid(power, 22050.0 / 2048, bins), 2);
        // Magnitude, not power: bins with power 1 and 9 weigh 1 and 3.
        power[100] = 1f;
        power[200] = 9f;
        Assert.Equal((100 * 1 + 200 * 3) / 4.0 * 22050 / 2048, SpectralShape.Centroid(power, 22050.0 / 2048, bins), 2);
        Assert.Equal(0f, SpectralShape.Centroid(new float[1025], 22050.0 / 2048, bins));
    }

    [Fact]
    public void Zcr_matches_a_naive_per_frame_count_with_edge_padding_and_the_threshold()
    {
        var random = new Random(11);
        var signal = new float[5000];
        for (var i = 0; i < signal.Length; i++)
            signal[i] = random.Next(10) switch
            {
                0 => 0f,
                1 => 5e-11f,     // |x| <= 1e-10 counts as zero, i.e. positive
                2 => -5e-11f,
                _ => (float)(random.NextDouble() * 2 - 1),
            };
        signal[0] = -0.5f; // edge padding repeats a negative first sample
        var frames = Framing.CentredFrameCount(signal.Length, 512);
        var rates = new float[frames];
        SpectralShape.ZeroCrossingRate(signal, 2048, 512, rates, new int[signal.Length + 2048]);

        for (var t = 0; t < frames; t++)
        {
            var crossings = 0;
            for (var i = 1; i < 2048; i++)
            {
                var a = EdgePadded(signal, t * 512 + i - 1 - 1024);
                var b = EdgePadded(signal, t * 512 + i - 1024);
                if ((a < -1e-10f) != (b < -1e-10f)) crossings++;
            }
            Assert.Equal(crossings / 2048f, rates[t]);
        }
    }

    private static float EdgePadded(float[] x, int i) => x[Math.Clamp(i, 0, x.Length - 1)];

    [Fact]
    public void Row_statistics_are_scipys_biased_fisher_moments()
    {
        float[] row = [1, 2, 3, 4, 10];
        var s = RowStatistics.Compute(row, new double[5]);
        Assert.Equal(4.0, s.Mean, 12);
        Assert.Equal(Math.Sqrt(10), s.Std, 12);
        Assert.Equal(1.0, s.Min);
        Assert.Equal(10.0, s.Max);
        Assert.Equal(3.0, s.Median);
        Assert.Equal(36 / Math.Pow(10, 1.5), s.Skew, 12);   // scipy.stats.skew -> 1.1384199576606167
        Assert.Equal(278.8 / 100 - 3, s.Kurtosis, 12);      // scipy.stats.kurtosis -> -0.212
        Assert.Equal(2.5, RowStatistics.Compute([4, 1, 3, 2], new double[4]).Median);
        var constant = RowStatistics.Compute([2, 2, 2], new double[3]);
        Assert.Equal((0.0, 0.0, 0.0), (constant.Std, constant.Skew, constant.Kurtosis));
    }
}
