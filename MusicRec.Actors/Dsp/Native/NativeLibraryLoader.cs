using System.Runtime.InteropServices;

namespace MusicRec.Dsp.Native;

/// <summary>
/// Loads a native library by its usual file names and resolves exports. Function pointers are used instead of
/// DllImport plus an assembly-wide DllImportResolver, because an assembly may have only one resolver and
/// other parts of MusicRec.Actors may need their own; a missing library then surfaces as one typed error.
/// </summary>
internal static class NativeLibraryLoader
{
    public static nint Load(string library, string debianPackage, IReadOnlyList<string> fileNames)
    {
        foreach (var name in fileNames)
            if (NativeLibrary.TryLoad(name, out var handle)) return handle;
        throw new NativeLibraryMissingException(library, debianPackage);
    }

    public static nint Export(nint handle, string library, string debianPackage, string symbol)
    {
        if (NativeLibrary.TryGetExport(handle, symbol, out var address)) return address;
        // An incompatible build (too old or not the real library) counts as missing: the same fix applies.
        throw new NativeLibraryMissingException($"{library} (symbol {symbol} not found)", debianPackage);
    }
}
