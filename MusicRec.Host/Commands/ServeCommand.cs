using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Runs the long-lived streaming recommender service.");
        command.SetHandler((_, _) => Cli.NotYet("'serve'"));
        return command;
    }
}
