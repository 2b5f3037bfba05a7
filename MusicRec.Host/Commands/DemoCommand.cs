using System.CommandLine;

namespace MusicRec.Host.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "The main job on embedded defaults.");
        command.SetHandler((_, _) => Cli.NotYet("'demo'"));
        return command;
    }
}
