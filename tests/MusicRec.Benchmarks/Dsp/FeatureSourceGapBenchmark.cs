using MusicRec.Dsp;

namespace MusicRec.Benchmarks.Dsp;

/// <summary>
/// How far features computed at a file's native rate (as FMA's features.py did, librosa.load(sr=None)) are from
/// ours at 22050 Hz, on the fixture clips: the same analysis (n_fft 2048, hop 512, 128 Slaney mel bands up to
/// rate/2, 20 MFCC) run both ways on each clip. A measurement, not a target: it decides whether features.csv and
/// audio features can share a scaler and an index (docs/feature-sources.md). 22050 Hz clips must agree exactly.
/// </summary>
public sealed class FeatureSourceGapBenchmark : IBenchmark
{
    public string Name => "feature-source-gap";
    public string Description => "features at native rate (FMA's features.csv) vs at 22050 Hz (ours), fixture clips";

    public Task<bool> RunAsync(string[] options)
    {
        var audio = Path.Combine(DspBenchmark.LibrosaFixtures(), "audio");
        var decoder = new AudioDecoder();
        var ours = new SpectralFeatureExtractor();
        var consistent = true;
        Console.WriteLine("  clip | native Hz | max |Δ| MFCC mean c1-c19 (dB units) | Δ c0 mean | centroid mean ours -> native (Hz) | zcr mean ours -> native | max |Δ| over 154 in clip-set std units");
        var rows = new List<(string Clip, double[] Ours, double[] Native, int Rate)>();
        foreach (var file in Directory.GetFiles(audio).Order(StringComparer.Ordinal))
        {
            var a = ours.Extract(decoder.DecodeMono22050(file)).ToVector();
            var native = decoder.DecodeNativeRate(file);
            var b = new SpectralFeatureExtractor(native.OriginalSampleRate).Extract(native.Samples).ToVector();
            rows.Add((Path.GetFileName(file), a, b, native.OriginalSampleRate));
        }
        // Spread of each of the 154 columns over the clips (ours), to express a gap in the scaler's units.
        var n = rows[0].Ours.Length;
        var std = new double[n];
        for (var i = 0; i < n; i++)
        {
            var mean = rows.Average(r => r.Ours[i]);
            std[i] = Math.Sqrt(rows.Average(r => (r.Ours[i] - mean) * (r.Ours[i] - mean)));
        }
        foreach (var (clip, a, b, rate) in rows)
        {
            var mfcc = Enumerable.Range(1, 19).Max(k => Math.Abs(a[k] - b[k]));
            var c0 = b[0] - a[0];
            var centroid = AudioFeatures.ColumnNames.ToList().IndexOf("spectral_centroid_mean_01");
            var zcr = AudioFeatures.ColumnNames.ToList().IndexOf("zcr_mean_01");
            var z = Enumerable.Range(0, n).Where(i => std[i] > 1e-9).Max(i => Math.Abs(a[i] - b[i]) / std[i]);
            Console.WriteLine($"  {clip} | {rate} | {mfcc:0.00} | {c0:+0.00;-0.00} | {a[centroid]:0.0} -> {b[centroid]:0.0} | {a[zcr]:0.00000} -> {b[zcr]:0.00000} | {z:0.00}");
            if (rate == SpectralFeatureExtractor.SampleRate && !a.SequenceEqual(b)) consistent = false;
        }
        if (!consistent) Console.WriteLine("  22050 Hz clips differ between the two paths: the native-rate extractor is wrong");
        return Task.FromResult(consistent);
    }
}
