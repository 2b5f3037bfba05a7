using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class ExportCommand
{
    public static Command Create()
    {
        var command = new Command("export", "Writes selected columns of the store to one CSV.");
        command.SetHandler((_, _) => Cli.NotYet("'export'"));
        return command;
    }
}
