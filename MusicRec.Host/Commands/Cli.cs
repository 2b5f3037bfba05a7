using System.CommandLine;

namespace MusicRec.Host.Commands;

/// <summary>A failure the user can act on: printed as one line on stderr, no stack trace (SPEC.md).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

public static class Cli
{
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            // serve needs longer than System.CommandLine's default 2 s after Ctrl-C/SIGTERM to drain, hand off
            // its shards and leave the cluster; the command ends itself once CoordinatedShutdown is done.
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) });
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync($"musicrec: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>Wraps a command body so a <see cref="CliException"/> becomes one stderr line and its exit code.</summary>
    public static void SetHandler(this Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct);
            }
            catch (CliException e)
            {
                await Console.Error.WriteLineAsync($"musicrec: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
        });

    /// <summary>For commands whose capability belongs to a later issue (exit 2, as the foundation issue allows).</summary>
    public static Task<int> NotYet(string what)
    {
        Console.Error.WriteLine($"musicrec: {what} is not available yet in this build.");
        return Task.FromResult(2);
    }
}
