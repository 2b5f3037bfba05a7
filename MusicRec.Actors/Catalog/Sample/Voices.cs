namespace MusicRec.Catalog.Sample;

/// <summary>
/// Instrument voices mixed additively into a mono buffer at <see cref="Rate"/>. Plain functions on spans;
/// only + * / and table lookups, so the output is bit-identical everywhere (see <see cref="DetMath"/>).
/// </summary>
internal static class Voices
{
    public const int Rate = 22050;
    private const int TableSize = 4096;
    private const int SustainTable = 1024;
    private static readonly float[] SineTable = BuildSineTable();

    private static float[] BuildSineTable()
    {
        var t = new float[TableSize + 1];
        for (var i = 0; i <= TableSize; i++) t[i] = (float)DetMath.Sin(2 * Math.PI * i / TableSize);
        return t;
    }

    /// <summary>sin(2π·phase) for phase in cycles (any sign), by table lookup with linear interpolation.</summary>
    public static float Sine(double phase)
    {
        var p = phase * TableSize;
        var whole = (long)p;
        if (p < whole) whole--; // floor for negative phases
        var i = (int)(whole & (TableSize - 1));
        var frac = (float)(p - whole);
        return SineTable[i] + (SineTable[i + 1] - SineTable[i]) * frac;
    }

    public static int Samples(double seconds) => (int)(seconds * Rate);

    private static int Length(Span<float> buf, int at, double seconds) => Math.Max(0, Math.Min(buf.Length - at, Samples(seconds)));

    // ---- percussion ----

    /// <summary>Bass drum: a sine swept down from <paramref name="startHz"/> to <paramref name="endHz"/>.</summary>
    public static void Kick(Span<float> buf, int at, float amp, float startHz = 140, float endHz = 45, double decay = 0.16)
    {
        var n = Length(buf, at, decay * 4);
        var env = 1f;
        var pitchEnv = 1f;
        var envStep = DetMath.DecayPerSample(decay, Rate);
        var pitchStep = DetMath.DecayPerSample(0.03, Rate);
        var phase = 0.0;
        for (var i = 0; i < n; i++)
        {
            phase += (endHz + (startHz - endHz) * pitchEnv) / Rate;
            buf[at + i] += amp * env * Sine(phase);
            env *= envStep;
            pitchEnv *= pitchStep;
        }
    }

    /// <summary>Snare or clap: bright noise plus a short tone body.</summary>
    public static void Snare(Span<float> buf, int at, float amp, ref SampleRng rng, float toneHz = 185, double decay = 0.07)
    {
        var n = Length(buf, at, decay * 5);
        float env = 1f, step = DetMath.DecayPerSample(decay, Rate), prev = 0;
        for (var i = 0; i < n; i++)
        {
            var noise = rng.NextSigned();
            buf[at + i] += amp * env * (0.8f * (noise - prev) * 0.5f + 0.45f * Sine(toneHz * i / (double)Rate));
            prev = noise;
            env *= step;
        }
    }

    /// <summary>Hi-hat: twice-differenced noise (energy near Nyquist), closed or open decay.</summary>
    public static void Hat(Span<float> buf, int at, float amp, ref SampleRng rng, bool open = false)
    {
        var decay = open ? 0.11 : 0.018;
        var n = Length(buf, at, decay * 5);
        float env = 1f, step = DetMath.DecayPerSample(decay, Rate), p1 = 0, p2 = 0;
        for (var i = 0; i < n; i++)
        {
            var noise = rng.NextSigned();
            buf[at + i] += amp * env * 0.25f * (noise - 2 * p1 + p2);
            p2 = p1;
            p1 = noise;
            env *= step;
        }
    }

    /// <summary>Ride cymbal: bright noise with a few inharmonic partials ringing longer.</summary>
    public static void Ride(Span<float> buf, int at, float amp, ref SampleRng rng, float bellHz)
    {
        var n = Length(buf, at, 0.7);
        float env = 1f, step = DetMath.DecayPerSample(0.3, Rate), prev = 0;
        for (var i = 0; i < n; i++)
        {
            var noise = rng.NextSigned();
            var t = i / (double)Rate;
            var bell = Sine(bellHz * t) + 0.7f * Sine(bellHz * 1.483 * t);
            buf[at + i] += amp * env * (0.35f * (noise - prev) + 0.12f * bell);
            prev = noise;
            env *= step;
        }
    }

    // ---- pitched ----

    /// <summary>Plucked string, Karplus–Strong: a noise burst circulating in a delay line with an averaging filter.</summary>
    public static void Pluck(Span<float> buf, int at, double hz, float amp, ref SampleRng rng, double seconds = 1.4,
        float damping = 0.996f, float brightness = 0.6f)
    {
        var n = Length(buf, at, seconds);
        var period = Math.Clamp((int)(Rate / hz + 0.5), 2, 2048);
        Span<float> line = stackalloc float[period];
        var last = 0f;
        for (var i = 0; i < period; i++) line[i] = last = brightness * rng.NextSigned() + (1 - brightness) * last;
        var idx = 0;
        for (var i = 0; i < n; i++)
        {
            var next = idx + 1 == period ? 0 : idx + 1;
            var y = line[idx];
            line[idx] = damping * 0.5f * (y + line[next]);
            buf[at + i] += amp * y;
            idx = next;
        }
    }

    /// <summary>
    /// Additive tone: partial k (1-based) at k·hz with amplitude partials[k-1]; attack, exponential decay
    /// (upper partials decay faster by <paramref name="brightDecay"/>), optional vibrato. One phase drives all
    /// partials (they stay exactly harmonic), so the cost is one table lookup per partial per sample.
    /// </summary>
    public static void Tone(Span<float> buf, int at, double seconds, double hz, float amp, ReadOnlySpan<float> partials,
        double attack = 0.005, double decay = 1e9, float brightDecay = 1f, double vibratoHz = 0, double vibratoDepth = 0, double release = 0.05)
    {
        var n = Length(buf, at, seconds);
        var count = Math.Min(partials.Length, (int)((Rate / 2.0 - 1) / hz));
        if (n == 0 || count <= 0) return;
        Span<float> gains = stackalloc float[count];
        Span<float> steps = stackalloc float[count];
        for (var k = 0; k < count; k++)
        {
            gains[k] = amp * partials[k];
            steps[k] = DetMath.DecayPerSample(decay / (1 + k * (brightDecay - 1)), Rate);
        }
        var attackN = Math.Max(1, Samples(attack));
        var releaseN = Math.Max(1, Samples(release));
        var increment = hz / Rate;
        var vibratoStep = vibratoHz / Rate;
        var phase = 0.0;
        if (decay >= 1e6)
        {
            // Sustained (no decay): the partials never change balance, so mix them once into a one-cycle table.
            Span<float> cycle = stackalloc float[SustainTable + 1];
            for (var j = 0; j <= SustainTable; j++)
            {
                var v = 0f;
                for (var k = 0; k < count; k++) v += gains[k] * Sine((double)(k + 1) * j / SustainTable);
                cycle[j] = v;
            }
            for (var i = 0; i < n; i++)
            {
                phase += vibratoDepth == 0 ? increment : increment * (1 + vibratoDepth * Sine(vibratoStep * i));
                if (phase >= 1) phase -= 1;
                var shape = i < attackN ? (float)i / attackN : i > n - releaseN ? (float)(n - i) / releaseN : 1f;
                var p = phase * SustainTable;
                var whole = (int)p;
                buf[at + i] += shape * (cycle[whole] + (cycle[whole + 1] - cycle[whole]) * (float)(p - whole));
            }
            return;
        }
        for (var i = 0; i < n; i++)
        {
            phase += vibratoDepth == 0 ? increment : increment * (1 + vibratoDepth * Sine(vibratoStep * i));
            if (phase >= 1) phase -= 1;
            var shape = i < attackN ? (float)i / attackN : i > n - releaseN ? (float)(n - i) / releaseN : 1f;
            var sum = 0f;
            for (var k = 0; k < count; k++)
            {
                sum += gains[k] * Sine(phase * (k + 1));
                gains[k] *= steps[k];
            }
            buf[at + i] += shape * sum;
        }
    }

    /// <summary>Sawtooth through a one-pole low-pass, with attack/release; <paramref name="detune"/> adds a second saw.</summary>
    public static void Saw(Span<float> buf, int at, double seconds, double hz, float amp, double cutoffHz,
        double attack = 0.005, double release = 0.03, double detune = 0, double decay = 1e9)
    {
        var n = Length(buf, at, seconds);
        var attackN = Math.Max(1, Samples(attack));
        var releaseN = Math.Max(1, Samples(release));
        var a = 1 - (float)DetMath.Exp(-2 * Math.PI * cutoffHz / Rate);
        var step = DetMath.DecayPerSample(decay, Rate);
        double p1 = 0, p2 = 0.37;
        float y = 0, env = 1;
        for (var i = 0; i < n; i++)
        {
            p1 += hz / Rate;
            if (p1 >= 1) p1 -= 1;
            var x = (float)(2 * p1 - 1);
            if (detune != 0)
            {
                p2 += hz * (1 + detune) / Rate;
                if (p2 >= 1) p2 -= 1;
                x = 0.5f * (x + (float)(2 * p2 - 1));
            }
            y += a * (x - y);
            var shape = i < attackN ? (float)i / attackN : i > n - releaseN ? (float)(n - i) / releaseN : 1f;
            buf[at + i] += amp * env * shape * y;
            env *= step;
        }
    }

    /// <summary>Square wave (hollow, reedy), low-passed.</summary>
    public static void Square(Span<float> buf, int at, double seconds, double hz, float amp, double cutoffHz, double decay = 1e9)
    {
        var n = Length(buf, at, seconds);
        var a = 1 - (float)DetMath.Exp(-2 * Math.PI * cutoffHz / Rate);
        var step = DetMath.DecayPerSample(decay, Rate);
        var releaseN = Math.Max(1, Samples(0.01));
        double p = 0;
        float y = 0, env = 1;
        for (var i = 0; i < n; i++)
        {
            p += hz / Rate;
            if (p >= 1) p -= 1;
            y += a * ((p < 0.5 ? 1f : -1f) - y);
            var shape = i < 40 ? i / 40f : i > n - releaseN ? (float)(n - i) / releaseN : 1f;
            buf[at + i] += amp * env * shape * y;
            env *= step;
        }
    }

    /// <summary>FM drone: carrier modulated at a non-integer ratio with a slowly breathing index.</summary>
    public static void FmDrone(Span<float> buf, int at, double seconds, double hz, float amp, double ratio, double index, double lfoHz)
    {
        var n = Length(buf, at, seconds);
        var fadeN = Math.Max(1, Math.Min(n / 3, Samples(1.5)));
        double pc = 0, pm = 0;
        for (var i = 0; i < n; i++)
        {
            var lfo = 0.5 + 0.5 * Sine(lfoHz * i / Rate);
            pm += hz * ratio / Rate;
            pc += hz / Rate + index * lfo * hz / Rate * Sine(pm);
            var shape = i < fadeN ? (float)i / fadeN : i > n - fadeN ? (float)(n - i) / fadeN : 1f;
            buf[at + i] += amp * shape * Sine(pc);
        }
    }

    /// <summary>Drives a span through the soft clipper (distortion), in place.</summary>
    public static void Distort(Span<float> buf, float drive)
    {
        for (var i = 0; i < buf.Length; i++) buf[i] = DetMath.SoftClip(buf[i] * drive);
    }
}
