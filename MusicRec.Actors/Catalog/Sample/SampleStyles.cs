namespace MusicRec.Catalog.Sample;

/// <summary>The musical choices for one sample track, drawn from its own seeded generator.</summary>
internal sealed record AudioPlan(SampleStyle Style, double Bpm, int RootMidi, bool Minor, float Brightness, double Swing, int Variant)
{
    private static readonly int[] Major = [0, 2, 4, 5, 7, 9, 11];
    private static readonly int[] MinorScale = [0, 2, 3, 5, 7, 8, 10];

    public double BeatSeconds => 60.0 / Bpm;
    public int BeatSamples => (int)(Voices.Rate * BeatSeconds);

    /// <summary>MIDI note of a scale degree (any integer, wraps into octaves) above the root.</summary>
    public int Note(int degree, int octave = 0)
    {
        var scale = Minor ? MinorScale : Major;
        var o = Math.DivRem(degree, 7, out var d);
        if (d < 0) { d += 7; o--; }
        return RootMidi + 12 * (o + octave) + scale[d];
    }

    public double Hz(int degree, int octave = 0) => DetMath.MidiToHz(Note(degree, octave));
}

/// <summary>
/// The eight top-level FMA genres the sample uses, each with its own instrumentation and rhythm so that
/// timbre (MFCC), brightness (spectral centroid) and noisiness (ZCR) differ by genre.
/// </summary>
internal sealed record SampleStyle(int GenreId, string Title, double MinBpm, double MaxBpm, int MinRoot, int MaxRoot,
    double Acousticness, double Danceability, double Energy, double Instrumentalness, double Speechiness, double Valence)
{
    public static readonly SampleStyle Rock = new(12, "Rock", 110, 150, 40, 47, 0.05, 0.45, 0.9, 0.6, 0.06, 0.5);
    public static readonly SampleStyle Electronic = new(15, "Electronic", 120, 132, 36, 43, 0.05, 0.85, 0.8, 0.85, 0.05, 0.55);
    public static readonly SampleStyle Folk = new(17, "Folk", 80, 112, 52, 59, 0.9, 0.45, 0.3, 0.5, 0.04, 0.55);
    public static readonly SampleStyle Classical = new(5, "Classical", 56, 80, 48, 55, 0.95, 0.2, 0.15, 0.9, 0.04, 0.3);
    public static readonly SampleStyle HipHop = new(21, "Hip-Hop", 80, 98, 33, 40, 0.2, 0.8, 0.65, 0.3, 0.3, 0.5);
    public static readonly SampleStyle Jazz = new(4, "Jazz", 100, 176, 41, 48, 0.7, 0.55, 0.4, 0.8, 0.05, 0.6);
    public static readonly SampleStyle Pop = new(10, "Pop", 96, 124, 48, 55, 0.3, 0.7, 0.65, 0.4, 0.05, 0.75);
    public static readonly SampleStyle Experimental = new(38, "Experimental", 60, 140, 36, 60, 0.5, 0.2, 0.45, 0.9, 0.08, 0.25);

    public static readonly IReadOnlyList<SampleStyle> All = [Rock, Electronic, Folk, Classical, HipHop, Jazz, Pop, Experimental];

    public AudioPlan Plan(ref SampleRng rng) => new(this,
        Bpm: Math.Round(rng.Range(MinBpm, MaxBpm), 1),
        RootMidi: rng.Range(MinRoot, MaxRoot),
        Minor: rng.Chance(this == Pop || this == Folk ? 0.3 : 0.55),
        Brightness: (float)rng.Range(0.3, 1.0),
        Swing: rng.Range(0.0, 1.0),
        Variant: rng.Next(4));
}

/// <summary>Renders 30 s of one style into a buffer (plain functions per genre).</summary>
internal static class StyleRenderer
{
    private static readonly int[][] Progressions = [[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 4, 4], [5, 3, 0, 4], [0, 6, 5, 4]];

    public static void Render(Span<float> buf, Span<float> scratch, AudioPlan p, ref SampleRng rng)
    {
        buf.Clear();
        scratch.Clear();
        var s = p.Style;
        if (s == SampleStyle.Rock) Rock(buf, scratch, p, ref rng);
        else if (s == SampleStyle.Electronic) Electronic(buf, p, ref rng);
        else if (s == SampleStyle.Folk) Folk(buf, p, ref rng);
        else if (s == SampleStyle.Classical) Classical(buf, p, ref rng);
        else if (s == SampleStyle.HipHop) HipHop(buf, p, ref rng);
        else if (s == SampleStyle.Jazz) Jazz(buf, p, ref rng);
        else if (s == SampleStyle.Pop) Pop(buf, p, ref rng);
        else Experimental(buf, p, ref rng);
    }

    private static int[] Progression(AudioPlan p) => Progressions[p.Variant % Progressions.Length];

    private static int Bars(Span<float> buf, AudioPlan p) => buf.Length / (4 * p.BeatSamples) + 1;

    private static int Jitter(ref SampleRng rng, double ms) => (int)(rng.Range(-ms, ms) / 1000 * Voices.Rate);

    private static void Rock(Span<float> buf, Span<float> guitar, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var eighth = beat / 2;
        var prog = Progression(p);
        var cutoff = 1800 + 2800 * p.Brightness;
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var root = p.Note(prog[bar % prog.Length]) ;
            for (var e = 0; e < 8; e++)
            {
                var at = (bar * 4 * beat) + e * eighth;
                if (at >= buf.Length) break;
                foreach (var interval in new[] { 0, 7, 12 })
                    Voices.Saw(guitar, at, eighth / (double)Voices.Rate * 0.92, DetMath.MidiToHz(root + interval), 0.3f, cutoff, detune: 0.006);
                var b = bar * 4 * beat + e * eighth;
                Voices.Hat(buf, b, 0.35f + 0.1f * rng.NextSigned(), ref rng, open: e == 7 && p.Variant % 2 == 0);
            }
            for (var q = 0; q < 4; q++)
            {
                var at = bar * 4 * beat + q * beat;
                if (at >= buf.Length) break;
                if (q % 2 == 0) Voices.Kick(buf, at, 0.9f);
                else Voices.Snare(buf, at, 0.75f, ref rng);
                if (q == 2 && p.Variant >= 2) Voices.Kick(buf, at + eighth, 0.7f);
            }
        }
        Voices.Distort(guitar, 3 + 4 * p.Brightness);
        for (var i = 0; i < buf.Length; i++) buf[i] += 0.55f * guitar[i];
    }

    private static void Electronic(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var sixteenth = beat / 4;
        var prog = Progression(p);
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var degree = prog[bar % prog.Length];
            var barStart = bar * 4 * beat;
            for (var q = 0; q < 4; q++)
            {
                var at = barStart + q * beat;
                if (at >= buf.Length) break;
                Voices.Kick(buf, at, 1f, 120, 42, 0.2); // four on the floor
                Voices.Hat(buf, at + beat / 2, 0.45f, ref rng, open: true);
                if (q % 2 == 1 && p.Variant % 2 == 1) Voices.Snare(buf, at, 0.4f, ref rng, 900, 0.05);
                Voices.Saw(buf, at + beat / 2, beat / 2.0 / Voices.Rate, p.Hz(degree, -1), 0.55f, 300 + 500 * p.Brightness, decay: 0.15);
            }
            // Arpeggiated synth lead on sixteenths, its filter opening and closing over the bar.
            for (var s16 = 0; s16 < 16; s16++)
            {
                var at = barStart + s16 * sixteenth;
                if (at >= buf.Length) break;
                var note = p.Note(degree + 2 * (s16 % 4 == 3 ? 1 : s16 % 4), 1);
                var sweep = 0.5 + 0.5 * DetMath.Sin(2 * Math.PI * (bar * 16 + s16) / 64.0);
                Voices.Square(buf, at, sixteenth * 0.8 / Voices.Rate, DetMath.MidiToHz(note), 0.16f, 700 + 3500 * sweep * p.Brightness, decay: 0.12);
            }
        }
    }

    private static void Folk(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var eighth = beat / 2;
        var prog = Progression(p);
        int[] pattern = p.Variant % 2 == 0 ? [0, 2, 1, 2, 3, 2, 1, 2] : [0, 1, 2, 3, 2, 1, 0, 2];
        var damping = 0.994f + 0.004f * p.Brightness;
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var degree = prog[bar % prog.Length];
            int[] chord = [p.Note(degree), p.Note(degree + 2), p.Note(degree + 4), p.Note(degree, 1)];
            for (var e = 0; e < 8; e++)
            {
                var at = bar * 4 * beat + e * eighth + Jitter(ref rng, 6);
                if (at < 0 || at >= buf.Length) continue;
                Voices.Pluck(buf, at, DetMath.MidiToHz(chord[pattern[e]]), 0.5f, ref rng, 1.6, damping, 0.35f + 0.5f * p.Brightness);
                if (e == 0) Voices.Pluck(buf, at, DetMath.MidiToHz(chord[0] - 12), 0.55f, ref rng, 2.0, damping, 0.4f);
            }
        }
    }

    private static void Classical(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var chordLen = 8 * beat; // two bars per chord
        var prog = Progression(p);
        ReadOnlySpan<float> strings = [1f, 0.55f, 0.4f, 0.28f, 0.2f, 0.14f, 0.1f, 0.07f];
        ReadOnlySpan<float> flute = [1f, 0.2f, 0.08f];
        var melody = 4;
        for (var c = 0; c * chordLen < buf.Length; c++)
        {
            var degree = prog[c % prog.Length];
            var at = c * chordLen;
            var seconds = (chordLen + beat / 2) / (double)Voices.Rate;
            foreach (var (d, oct, amp) in new[] { (degree, -1, 0.3f), (degree, 0, 0.2f), (degree + 2, 0, 0.18f), (degree + 4, 0, 0.18f) })
                Voices.Tone(buf, at, seconds, p.Hz(d, oct), amp, strings, attack: 0.6, vibratoHz: 5 + rng.Range(-0.5, 0.5), vibratoDepth: 0.003, release: 0.5);
            // A slow melody line moving stepwise above the chords.
            for (var n = 0; n < 4; n++)
            {
                melody = Math.Clamp(melody + rng.Range(-2, 2), 2, 9);
                Voices.Tone(buf, at + n * 2 * beat, 2 * beat / (double)Voices.Rate, p.Hz(melody, 1), 0.16f, flute, attack: 0.12, vibratoHz: 5.5, vibratoDepth: 0.004, release: 0.15);
            }
        }
    }

    private static void HipHop(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var sixteenth = beat / 4;
        var swing = (int)(sixteenth * 0.33 * p.Swing);
        var prog = Progression(p);
        ReadOnlySpan<float> keys = [1f, 0.3f, 0.1f, 0.05f];
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var barStart = bar * 4 * beat;
            var degree = prog[(bar / 2) % prog.Length];
            foreach (var s16 in p.Variant % 2 == 0 ? new[] { 0, 6, 10 } : [0, 3, 8, 11])
            {
                var at = barStart + s16 * sixteenth;
                if (at >= buf.Length) continue;
                Voices.Kick(buf, at, 0.95f, 90, 40, 0.22);
                Voices.Tone(buf, at, 0.8, p.Hz(degree, -1), 0.7f, [1f, 0.08f], attack: 0.004, decay: 0.5, release: 0.08); // 808 bass
            }
            Voices.Snare(buf, barStart + beat, 0.6f, ref rng, 200, 0.09);
            Voices.Snare(buf, barStart + 3 * beat, 0.6f, ref rng, 200, 0.09);
            for (var s = 0; s < 16; s += p.Variant >= 2 ? 1 : 2)
            {
                var at = barStart + s * sixteenth + (s % 2 == 1 ? swing : 0);
                if (at < buf.Length) Voices.Hat(buf, at, 0.25f + 0.12f * rng.NextSigned(), ref rng);
            }
            if (bar % 2 == 0)
                foreach (var d in new[] { 0, 2, 4, 6 })
                    Voices.Tone(buf, barStart + 2 * beat + sixteenth, 1.2, p.Hz(degree + d, 2), 0.06f, keys, decay: 0.5, brightDecay: 2);
        }
    }

    private static void Jazz(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var swingOff = (int)(beat * (0.62 + 0.08 * p.Swing)); // swung "and"
        var prog = Progression(p);
        ReadOnlySpan<float> bass = [1f, 0.45f, 0.15f];
        ReadOnlySpan<float> piano = [1f, 0.5f, 0.25f, 0.12f, 0.06f];
        var bell = (float)rng.Range(2800, 3600);
        var walk = 0;
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var barStart = bar * 4 * beat;
            var degree = prog[bar % prog.Length];
            for (var q = 0; q < 4; q++)
            {
                var at = barStart + q * beat;
                if (at >= buf.Length) break;
                Voices.Ride(buf, at, 0.3f, ref rng, bell);
                if (q % 2 == 1)
                {
                    Voices.Ride(buf, at + swingOff, 0.2f, ref rng, bell);
                    Voices.Hat(buf, at, 0.2f, ref rng);
                }
                walk = q == 0 ? 0 : walk + (rng.Chance(0.7) ? 1 : -1) * rng.Range(1, 2);
                Voices.Tone(buf, at, beat / (double)Voices.Rate, p.Hz(degree + walk, -1), 0.5f, bass, attack: 0.01, decay: 0.35, brightDecay: 2);
                if (rng.Chance(0.45))
                    foreach (var d in new[] { 0, 2, 4, 6 })
                        Voices.Tone(buf, at + (rng.Chance(0.5) ? swingOff : 0), 0.7, p.Hz(degree + d, 1), 0.07f, piano, attack: 0.003, decay: 0.4, brightDecay: 1.8f);
            }
        }
    }

    private static void Pop(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        var beat = p.BeatSamples;
        var eighth = beat / 2;
        var prog = Progression(p);
        ReadOnlySpan<float> piano = [1f, 0.6f, 0.35f, 0.2f, 0.12f];
        ReadOnlySpan<float> lead = [1f, 0.05f, 0.1f];
        var melody = 2;
        for (var bar = 0; bar < Bars(buf, p); bar++)
        {
            var barStart = bar * 4 * beat;
            var degree = prog[bar % prog.Length];
            for (var q = 0; q < 4; q++)
            {
                var at = barStart + q * beat;
                if (at >= buf.Length) break;
                if (q % 2 == 0) Voices.Kick(buf, at, 0.8f, 110, 50, 0.14);
                else Voices.Snare(buf, at, 0.5f, ref rng, 220, 0.06);
                Voices.Hat(buf, at, 0.22f, ref rng);
                Voices.Hat(buf, at + eighth, 0.16f, ref rng);
                foreach (var d in new[] { 0, 2, 4 })
                    Voices.Tone(buf, at, beat / (double)Voices.Rate, p.Hz(degree + d), 0.12f, piano, decay: 0.6, brightDecay: 1.5f);
                Voices.Tone(buf, at, eighth / (double)Voices.Rate, p.Hz(degree, -1), 0.4f, [1f, 0.3f], decay: 0.3);
                Voices.Tone(buf, at + eighth, eighth / (double)Voices.Rate, p.Hz(degree, -1), 0.35f, [1f, 0.3f], decay: 0.3);
                melody = Math.Clamp(melody + rng.Range(-2, 2), 0, 9);
                Voices.Tone(buf, at, beat * 0.9 / Voices.Rate, p.Hz(melody, 1), 0.2f, lead, attack: 0.02, vibratoHz: 5, vibratoDepth: 0.003 * p.Brightness);
            }
        }
    }

    private static void Experimental(Span<float> buf, AudioPlan p, ref SampleRng rng)
    {
        // No beat grid: overlapping FM drones, filtered noise swells, and scattered glitch blips.
        var t = 0;
        while (t < buf.Length)
        {
            var len = rng.Range(3.0, 9.0);
            Voices.FmDrone(buf, t, len, rng.Range(50, 420), 0.3f, rng.Range(0.5, 3.7), rng.Range(0.5, 6), rng.Range(0.05, 0.6));
            t += Voices.Samples(len * rng.Range(0.4, 0.8));
        }
        var blips = 30 + rng.Next(90);
        for (var b = 0; b < blips; b++)
        {
            var at = rng.Next(buf.Length);
            if (rng.Chance(0.5)) Voices.Tone(buf, at, rng.Range(0.02, 0.2), rng.Range(300, 6000), 0.25f, [1f], decay: 0.05);
            else Voices.Hat(buf, at, 0.5f, ref rng, open: rng.Chance(0.3));
        }
        if (p.Variant % 2 == 0)
        {
            // A slow noise swell low-passed by a moving one-pole filter.
            float y = 0;
            for (var i = 0; i < buf.Length; i++)
            {
                var lfo = (float)(0.5 + 0.5 * Voices.Sine(0.05 * i / Voices.Rate));
                y += (0.02f + 0.3f * lfo) * (rng.NextSigned() - y);
                buf[i] += 0.25f * lfo * y;
            }
        }
    }
}
