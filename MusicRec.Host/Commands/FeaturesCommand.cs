using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class FeaturesCommand
{
    public static Command Create()
    {
        var command = new Command("features", "Prints the audio features of files as JSON lines.");
        command.SetHandler((_, _) => Cli.NotYet("'features'"));
        return command;
    }
}
