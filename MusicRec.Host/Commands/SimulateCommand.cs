using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class SimulateCommand
{
    public static Command Create()
    {
        var command = new Command("simulate", "Sends mock listener activity.");
        command.SetHandler((_, _) => Cli.NotYet("'simulate'"));
        return command;
    }
}
