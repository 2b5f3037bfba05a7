using MusicRec.Dsp;
using Xunit.Abstractions;

namespace MusicRec.Tests.Dsp;

public class RealFftTests(ITestOutputHelper output)
{
    private static float[] RandomFrame(int n, int seed)
    {
        var random = new Random(seed);
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(2048)]
    public void Forward_matches_a_naive_double_precision_dft(int n)
    {
        var x = RandomFrame(n, n);
        var fft = new RealFft(n);
        var re = new float[n / 2 + 1];
        var im = new float[n / 2 + 1];
        fft.Forward(x, Ones(n), re, im);

        var maxError = 0.0;
        var scale = Math.Sqrt(n); // the size of a random-input bin
        for (var k = 0; k <= n / 2; k++)
        {
            double sr = 0, si = 0;
            for (var t = 0; t < n; t++)
            {
                var angle = -2 * Math.PI * k * t / n;
                sr += x[t] * Math.Cos(angle);
                si += x[t] * Math.Sin(angle);
            }
            maxError = Math.Max(maxError, Math.Max(Math.Abs(sr - re[k]), Math.Abs(si - im[k])) / scale);
        }
        output.WriteLine($"n={n}: max |error| / sqrt(n) = {maxError:E2}");
        Assert.True(maxError < 2e-6, $"max relative error {maxError}");
    }

    [Fact]
    public void Power_spectrum_matches_nwaves_real_fft_on_a_windowed_frame()
    {
        const int n = 2048;
        var x = RandomFrame(n, 7);
        var window = AnalysisWindow.PeriodicHann(n);
        var power = new float[n / 2 + 1];
        new RealFft(n).PowerSpectrum(x, window, power);

        var windowed = x.Select((v, i) => v * window[i]).ToArray();
        var nre = new float[n];
        var nim = new float[n];
        new NWaves.Transforms.RealFft(n).Direct(windowed, nre, nim);
        var maxRelative = 0.0;
        var peak = 0.0;
        for (var k = 0; k <= n / 2; k++) peak = Math.Max(peak, nre[k] * (double)nre[k] + nim[k] * (double)nim[k]);
        for (var k = 0; k <= n / 2; k++)
        {
            var expected = nre[k] * (double)nre[k] + nim[k] * (double)nim[k];
            maxRelative = Math.Max(maxRelative, Math.Abs(expected - power[k]) / peak);
        }
        output.WriteLine($"max |P - P_nwaves| / max P = {maxRelative:E2}");
        Assert.True(maxRelative < 1e-5, $"max relative difference {maxRelative}");
    }

    [Fact]
    public void A_pure_tone_on_a_bin_lands_in_that_bin()
    {
        const int n = 2048;
        var x = new float[n];
        for (var i = 0; i < n; i++) x[i] = (float)Math.Cos(2 * Math.PI * 100 * i / n);
        var power = new float[n / 2 + 1];
        new RealFft(n).PowerSpectrum(x, Ones(n), power);
        Assert.Equal(100, Array.IndexOf(power, power.Max()));
        Assert.Equal((n / 2.0) * (n / 2.0), power[100], 0.01 * n * n / 4);
        Assert.True(power.Where((_, k) => k != 100).Max() < 1e-3 * power[100]);
    }

    [Fact]
    public void Sizes_that_are_not_powers_of_two_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealFft(1000));
        Assert.Throws<ArgumentException>(() => new RealFft(64).PowerSpectrum(new float[32], new float[64], new float[33]));
    }
}
