using MusicRec.Dsp;

namespace MusicRec.Catalog.Features;

/// <summary>
/// A features.csv in FMA's layout computed from a catalogue's own clips (<c>musicrec sample --with-features-csv</c>),
/// so the features.csv path can be tried without FMA's download. Only the 154 statistics this project computes
/// (MFCC 1-20, spectral centroid, zero-crossing rate; librosa 0.10 parameters at 22050 Hz) are filled; the other
/// 364 (chroma_stft/cqt/cens, tonnetz, rmse, spectral bandwidth/contrast/rolloff) are left empty, which is how
/// pandas writes NaN, rather than filled with numbers nobody computed. The reader keeps such rows with their 154.
/// </summary>
public static class FeaturesCsvFromAudio
{
    private const int Chunk = 64;

    /// <summary>Writes <paramref name="csvPath"/> for every clip under <paramref name="audioDir"/> (FMA layout), in track id order.</summary>
    /// <returns>The number of rows written; clips that do not decode are skipped and named in <paramref name="skipped"/>.</returns>
    public static int Write(string audioDir, string csvPath, int workers, Action<string>? skipped = null, IProgress<int>? progress = null,
        CancellationToken ct = default)
    {
        var clips = Directory.EnumerateFiles(audioDir, "*.*", SearchOption.AllDirectories)
            .Select(f => (Path: f, Id: int.TryParse(Path.GetFileNameWithoutExtension(f), out var id) ? id : -1))
            .Where(c => c.Id > 0 && FmaCatalogReader.AudioExtensions.Contains(Path.GetExtension(c.Path)))
            .OrderBy(c => c.Id).ToList();
        var written = 0;
        using var writer = new FmaFeaturesCsvWriter(csvPath + ".tmp");
        var extractors = new System.Collections.Concurrent.ConcurrentBag<(AudioDecoder, SpectralFeatureExtractor)>();
        foreach (var chunk in clips.Chunk(Chunk))
        {
            var rows = new double[]?[chunk.Length];
            Parallel.For(0, chunk.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = ct }, i =>
            {
                if (!extractors.TryTake(out var tools)) tools = (new AudioDecoder(), new SpectralFeatureExtractor());
                try
                {
                    var computed = tools.Item2.Extract(tools.Item1.DecodeMono22050(chunk[i].Path)).ToVector();
                    var row = new double[FmaFeatureColumns.Count];
                    Array.Fill(row, double.NaN);
                    computed.CopyTo(row, 0);
                    rows[i] = row;
                }
                catch (AudioDecodeException e)
                {
                    lock (rows) skipped?.Invoke(e.Message);
                }
                finally
                {
                    extractors.Add(tools);
                }
            });
            for (var i = 0; i < chunk.Length; i++)
                if (rows[i] is { } row && row.Take(AudioFeatures.ColumnNames.Count).All(double.IsFinite))
                {
                    writer.Write(chunk[i].Id, row);
                    written++;
                }
            progress?.Report(written);
        }
        writer.Dispose();
        File.Move(csvPath + ".tmp", csvPath, overwrite: true);
        return written;
    }
}
