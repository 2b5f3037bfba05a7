using System.Runtime.InteropServices;

namespace MusicRec.Dsp.Native;

/// <summary>soxr_quality_spec_t: four doubles, a pointer, an unsigned long.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SoxrQualitySpec
{
    public double Precision;
    public double PhaseResponse;
    public double PassbandEnd;
    public double StopbandBegin;
    public void* Reserved;
    public CULong Flags;
}

/// <summary>soxr_io_spec_t: two ints, a double, a pointer, an unsigned long.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SoxrIoSpec
{
    public int InputType;
    public int OutputType;
    public double Scale;
    public void* Reserved;
    public CULong Flags;
}

/// <summary>
/// libsoxr's one-shot resampler at "HQ" quality with float32 interleaved I/O: exactly what python-soxr's
/// resample(quality='HQ') calls for librosa.load, so resampled clips match librosa bit for bit.
/// </summary>
internal sealed unsafe class Soxr
{
    public const string LibraryName = "libsoxr";
    public const string DebianPackage = "libsoxr0";
    private const uint SoxrHq = 4;
    private const int SoxrFloat32Interleaved = 0;

    public static readonly IReadOnlyList<string> DefaultFileNames =
        ["libsoxr.so.0", "libsoxr.so", "libsoxr.0.dylib", "soxr.dll", "libsoxr.dll"];

    private static readonly object SharedLock = new();
    private static Soxr? _shared;

    private readonly delegate* unmanaged[Cdecl]<CULong, CULong, SoxrQualitySpec> _qualitySpec;
    private readonly delegate* unmanaged[Cdecl]<uint, uint, SoxrIoSpec> _ioSpec;
    private readonly delegate* unmanaged[Cdecl]<double, double, uint, float*, nuint, nuint*, float*, nuint, nuint*, SoxrIoSpec*, SoxrQualitySpec*, void*, byte*> _oneShot;

    private Soxr(nint handle)
    {
        _qualitySpec = (delegate* unmanaged[Cdecl]<CULong, CULong, SoxrQualitySpec>)Export(handle, "soxr_quality_spec");
        _ioSpec = (delegate* unmanaged[Cdecl]<uint, uint, SoxrIoSpec>)Export(handle, "soxr_io_spec");
        _oneShot = (delegate* unmanaged[Cdecl]<double, double, uint, float*, nuint, nuint*, float*, nuint, nuint*, SoxrIoSpec*, SoxrQualitySpec*, void*, byte*>)Export(handle, "soxr_oneshot");
    }

    public static Soxr Shared
    {
        get
        {
            lock (SharedLock) return _shared ??= Load(DefaultFileNames);
        }
    }

    public static Soxr Load(IReadOnlyList<string> fileNames) =>
        new(NativeLibraryLoader.Load(LibraryName, DebianPackage, fileNames));

    private static nint Export(nint handle, string symbol) =>
        NativeLibraryLoader.Export(handle, LibraryName, DebianPackage, symbol);

    /// <summary>Resamples mono float32; returns the number of output samples written, or throws with soxr's message.</summary>
    public int ResampleMono(ReadOnlySpan<float> input, double inputRate, double outputRate, Span<float> output)
    {
        var quality = _qualitySpec(new CULong(SoxrHq), new CULong(0));
        var io = _ioSpec(SoxrFloat32Interleaved, SoxrFloat32Interleaved);
        nuint done = 0;
        byte* error;
        fixed (float* pin = input)
        fixed (float* pout = output)
        {
            error = _oneShot(inputRate, outputRate, 1, pin, (nuint)input.Length, null,
                pout, (nuint)output.Length, &done, &io, &quality, null);
        }
        if (error != null)
            throw new InvalidOperationException($"soxr: {Marshal.PtrToStringUTF8((nint)error)}");
        return (int)done;
    }
}
