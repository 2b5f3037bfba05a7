using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class SampleCommand
{
    public static Command Create()
    {
        var command = new Command("sample", "Writes a sample catalogue in the FMA layout.");
        command.SetHandler((_, _) => Cli.NotYet("'sample'"));
        return command;
    }
}
