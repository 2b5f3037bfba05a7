using System.CommandLine;
using MusicRec.Host.Commands;

var root = new RootCommand("MusicRec: an open real-time music recommender (FMA catalogue ETL, audio features, streaming recommendations).");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
root.Subcommands.Add(EtlCommand.Create());
root.Subcommands.Add(FeaturesCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(SimulateCommand.Create(uri => MusicRec.Stores.TrackStoreFactory.Open(uri, createIfMissing: false)));
return await Cli.RunAsync(root, args);
