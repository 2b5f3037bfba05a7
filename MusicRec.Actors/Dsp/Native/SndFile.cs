using System.Runtime.InteropServices;
using System.Text;

namespace MusicRec.Dsp.Native;

/// <summary>SF_INFO of sndfile.h (sf_count_t is 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SfInfo
{
    public long Frames;
    public int SampleRate;
    public int Channels;
    public int Format;
    public int Sections;
    public int Seekable;
}

/// <summary>
/// The few libsndfile calls the decoder needs: sf_open, sf_readf_float, sf_error, sf_strerror, sf_close.
/// libsndfile 1.2 (Debian libsndfile1) reads WAV, FLAC, Ogg Vorbis, Opus and MP3 (gapless, through mpg123),
/// as python-soundfile does for librosa.
/// </summary>
internal sealed unsafe class SndFile
{
    public const string LibraryName = "libsndfile";
    public const string DebianPackage = "libsndfile1";
    private const int SfmRead = 0x10;

    public static readonly IReadOnlyList<string> DefaultFileNames =
        ["libsndfile.so.1", "libsndfile.so", "libsndfile.1.dylib", "sndfile.dll", "libsndfile-1.dll"];

    private static readonly object SharedLock = new();
    private static SndFile? _shared;

    private readonly delegate* unmanaged[Cdecl]<byte*, int, SfInfo*, nint> _open;
    private readonly delegate* unmanaged[Cdecl]<nint, float*, long, long> _readFramesFloat;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _error;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*> _strError;
    private readonly delegate* unmanaged[Cdecl]<nint, int> _close;

    private SndFile(nint handle)
    {
        _open = (delegate* unmanaged[Cdecl]<byte*, int, SfInfo*, nint>)Export(handle, "sf_open");
        _readFramesFloat = (delegate* unmanaged[Cdecl]<nint, float*, long, long>)Export(handle, "sf_readf_float");
        _error = (delegate* unmanaged[Cdecl]<nint, int>)Export(handle, "sf_error");
        _strError = (delegate* unmanaged[Cdecl]<nint, byte*>)Export(handle, "sf_strerror");
        _close = (delegate* unmanaged[Cdecl]<nint, int>)Export(handle, "sf_close");
    }

    /// <summary>The process-wide instance, loaded on first use; throws NativeLibraryMissingException if absent.</summary>
    public static SndFile Shared
    {
        get
        {
            lock (SharedLock) return _shared ??= Load(DefaultFileNames);
        }
    }

    public static SndFile Load(IReadOnlyList<string> fileNames) =>
        new(NativeLibraryLoader.Load(LibraryName, DebianPackage, fileNames));

    private static nint Export(nint handle, string symbol) =>
        NativeLibraryLoader.Export(handle, LibraryName, DebianPackage, symbol);

    /// <summary>Opens for reading; on failure returns 0 and libsndfile's message.</summary>
    public nint Open(string path, out SfInfo info, out string? error)
    {
        var utf8 = Encoding.UTF8.GetBytes(path + "\0");
        SfInfo local = default;
        nint handle;
        fixed (byte* p = utf8) handle = _open(p, SfmRead, &local);
        info = local;
        error = handle == 0 ? ErrorText(0) : null;
        return handle;
    }

    /// <summary>Reads up to buffer.Length/channels interleaved frames; returns the number of frames read.</summary>
    public long ReadFrames(nint handle, Span<float> buffer, int channels)
    {
        fixed (float* p = buffer) return _readFramesFloat(handle, p, buffer.Length / channels);
    }

    /// <summary>libsndfile's error state of an open file: null if none.</summary>
    public string? Error(nint handle) => _error(handle) == 0 ? null : ErrorText(handle);

    public void Close(nint handle) => _close(handle);

    private string ErrorText(nint handle) => Marshal.PtrToStringUTF8((nint)_strError(handle)) ?? "unknown libsndfile error";
}
