using System.CommandLine;
using System.Diagnostics;
using MusicRec.Stores;

namespace MusicRec.Host.Commands;

/// <summary><c>musicrec export [--store URI] --out FILE [--columns a,b,…]</c>: the store as one CSV (SPEC.md).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var store = new Option<string?>("--store")
        {
            Description = $"Store URI: sqlite:PATH or mongodb://HOST:PORT/MYDB?collection=MTDATA (default: ${StoreUri.StoreVariable}, ${StoreUri.MongoUrlVariable}, then {StoreUri.DefaultSqlite}).",
        };
        var output = new Option<string>("--out") { Description = "The CSV file to write (replaced atomically when complete).", Required = true };
        var columns = new Option<string?>("--columns")
        {
            Description = $"Comma-separated columns (default {string.Join(",", TrackDocumentColumns.DefaultExport)}).",
        };
        var command = new Command("export", "Writes selected columns of the store to one CSV (the original design's Spark step).")
        {
            store, output, columns,
        };
        command.SetHandler((parse, ct) => RunAsync(
            parse.GetValue(store), parse.GetValue(output)!, parse.GetValue(columns), Console.Out, null, ct));
        return command;
    }

    /// <summary>The command's body: throws <see cref="CliException"/> with one clear line on any user error.</summary>
    internal static async Task<int> RunAsync(
        string? storeOption, string outPath, string? columnsOption, TextWriter stdout,
        Func<string, string?>? environment, CancellationToken ct)
    {
        IReadOnlyList<string> columns;
        StoreUri uri;
        try
        {
            columns = TrackDocumentColumns.ParseList(columnsOption);
            uri = StoreUri.Resolve(storeOption, StoreUri.DefaultSqlite, environment);
        }
        catch (Exception e) when (e is UnknownColumnException or StoreException)
        {
            throw new CliException(e.Message);
        }
        if (string.IsNullOrWhiteSpace(outPath)) throw new CliException("--out FILE is required");
        if (Directory.Exists(outPath)) throw new CliException($"--out {outPath} is a folder; give a file name");

        try
        {
            await using var store = TrackStoreFactory.Open(uri, createIfMissing: false);
            if (!await store.PingAsync(ct))
                throw new CliException($"the store {store.Describe()} is not reachable; check --store or ${StoreUri.StoreVariable}");
            var clock = Stopwatch.StartNew();
            var rows = await CsvExporter.ExportAsync(store, columns, outPath, ct: ct);
            await stdout.WriteLineAsync(
                $"exported {rows} rows ({columns.Count} columns: {string.Join(",", columns)}) from {store.Describe()} to {Path.GetFullPath(outPath)} in {clock.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }
        catch (Exception e) when (e is StoreException or UnknownColumnException)
        {
            throw new CliException(e.Message);
        }
        catch (IOException e)
        {
            throw new CliException($"cannot write {outPath}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"cannot write {outPath}: {e.Message}");
        }
    }
}
