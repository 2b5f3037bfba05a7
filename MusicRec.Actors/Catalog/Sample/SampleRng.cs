namespace MusicRec.Catalog.Sample;

/// <summary>
/// SplitMix64: a tiny deterministic generator whose output is fixed by its seed on every platform and .NET
/// version (System.Random's algorithm is an implementation detail). One per track/artist/album, seeded from
/// (catalogue seed, kind, id), so entities are independent of generation order and can be made in parallel.
/// </summary>
internal struct SampleRng
{
    private ulong _state;

    public SampleRng(ulong seed) => _state = seed;

    /// <summary>A generator for one entity: mixes the catalogue seed, what the entity is, and its id.</summary>
    public static SampleRng For(int seed, Stream stream, int id)
    {
        var s = new SampleRng(((ulong)(uint)seed << 32) ^ (ulong)(uint)id ^ ((ulong)stream << 56));
        s.NextULong();
        return new SampleRng(s.NextULong() ^ (ulong)stream * 0x9E3779B97F4A7C15UL);
    }

    public enum Stream : byte { Artist = 1, Album = 2, Track = 3, Audio = 4, Echonest = 5, Layout = 6 }

    public ulong NextULong()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [-1, 1).</summary>
    public float NextSigned() => (float)(NextDouble() * 2 - 1);

    public double Range(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, count).</summary>
    public int Next(int count) => (int)((NextULong() >> 33) % (ulong)count);

    public int Range(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];
}

/// <summary>
/// exp and sin from + and * only, so synthesised audio is bit-identical on every machine (libm's
/// transcendental functions may differ in the last bit between platforms). Accurate to ~1e-15 relative.
/// </summary>
internal static class DetMath
{
    private const double Ln2 = 0.69314718055994530942;

    public static double Exp(double x)
    {
        if (x < -700) return 0;
        if (x > 700) x = 700;
        var k = Math.Round(x / Ln2);
        var r = x - k * Ln2;
        // Taylor series of e^r for |r| <= ln2/2, Horner form.
        var sum = 1.0;
        for (var n = 16; n >= 1; n--) sum = 1 + r * sum / n;
        return Math.ScaleB(sum, (int)k);
    }

    public static double Sin(double x)
    {
        const double TwoPi = 6.28318530717958647692;
        x -= TwoPi * Math.Floor(x / TwoPi); // [0, 2pi)
        var sign = 1.0;
        if (x > Math.PI) { x -= Math.PI; sign = -1; }
        if (x > Math.PI / 2) x = Math.PI - x; // [0, pi/2]
        var x2 = x * x;
        var term = x;
        var sum = x;
        for (var n = 1; n <= 11; n++)
        {
            term *= -x2 / ((2 * n) * (2 * n + 1));
            sum += term;
        }
        return sign * sum;
    }

    public static double Cos(double x) => Sin(x + Math.PI / 2);

    /// <summary>Frequency of a MIDI note (A4 = 69 = 440 Hz).</summary>
    public static double MidiToHz(double note) => 440 * Exp((note - 69) / 12 * Ln2);

    /// <summary>Per-sample multiplier that decays by 1/e in <paramref name="seconds"/>.</summary>
    public static float DecayPerSample(double seconds, int sampleRate) => (float)Exp(-1.0 / (seconds * sampleRate));

    /// <summary>Soft clipper (rational tanh approximation), deterministic and cheap.</summary>
    public static float SoftClip(float x)
    {
        if (x > 3) return 1;
        if (x < -3) return -1;
        var x2 = x * x;
        return x * (27 + x2) / (27 + 9 * x2);
    }
}
