using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class EtlCommand
{
    public static Command Create()
    {
        var command = new Command("etl", "Extract, merge, compute features, normalise and store the catalogue.");
        command.SetHandler((_, _) => Cli.NotYet("'etl'"));
        return command;
    }
}
