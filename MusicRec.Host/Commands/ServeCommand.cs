using System.CommandLine;
using MusicRec.Host.Service;

namespace MusicRec.Host.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var store = new Option<string?>("--store") { Description = "Catalogue store URI: sqlite:PATH or mongodb://HOST:PORT/DB?collection=NAME (env MUSICREC_STORE; default sqlite:./musicrec.db)." };
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers (env MUSICREC_KAFKA); without it the in-process bus is used." };
        var kafkaProperty = new Option<string[]>("--kafka-property") { Description = "librdkafka setting key=value, repeatable.", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.ZeroOrMore };
        var web = new Option<string?>("--web") { Description = $"URL the web page listens on (env MUSICREC_WEB_URL; default {ServeOptions.DefaultWebUrl})." };
        var noWeb = new Option<bool>("--no-web") { Description = "Run without the web page (no HTTP listener unless --admin-url is given)." };
        var adminUrl = new Option<string?>("--admin-url") { Description = "With --no-web: URL for /healthz, /readyz, /metrics and /api/admin (env MUSICREC_ADMIN_URL)." };
        var clusterHost = new Option<string?>("--cluster-host") { Description = $"Host name other nodes reach this one at (env MUSICREC_CLUSTER_HOST; default {ServeOptions.DefaultClusterHost})." };
        var clusterPort = new Option<int?>("--cluster-port") { Description = "Akka.Remote TCP port (env MUSICREC_CLUSTER_PORT; default 0 = any free port, fine for a node alone)." };
        var seedNode = new Option<string[]>("--seed-node") { Description = $"Seed node address akka.tcp://{ServeOptions.ActorSystemName}@HOST:PORT, repeatable (env MUSICREC_SEED_NODES, comma-separated); none = a cluster of this node alone.", Arity = ArgumentArity.ZeroOrMore };
        var journal = new Option<string?>("--journal") { Description = "PostgreSQL connection string of the shared journal (env MUSICREC_JOURNAL); required when joining other nodes. Default: a SQLite journal of this node." };

        var apiKey = new Option<string?>("--api-key") { Description = $"API key (env MUSICREC_API_KEY, at least {MusicRec.Web.Security.ApiKey.MinimumLength} characters): admin endpoints, /dashboard and activity writes from outside the page then need it in X-API-Key. Without a key the listener must be loopback." };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "File holding the API key (env MUSICREC_API_KEY_FILE); keeps the key out of the process list." };
        var command = new Command("serve", "Runs the long-lived streaming recommender service (a cluster node), with the web page unless --no-web.")
        {
            store, kafka, kafkaProperty, web, noWeb, adminUrl, clusterHost, clusterPort, seedNode, journal, apiKey, apiKeyFile,
        };
        command.SetHandler((parse, ct) =>
        {
            if (parse.GetValue(noWeb) && parse.GetValue(web) is not null)
                throw new CliException("--web and --no-web contradict each other; give one.");
            var options = ServeOptions.Resolve(
                parse.GetValue(store), parse.GetValue(kafka), parse.GetValue(kafkaProperty) ?? [],
                parse.GetValue(web), parse.GetValue(noWeb), parse.GetValue(adminUrl), parse.GetValue(clusterHost),
                parse.GetValue(clusterPort), parse.GetValue(seedNode) ?? [], parse.GetValue(journal),
                apiKey: parse.GetValue(apiKey), apiKeyFile: parse.GetValue(apiKeyFile));
            return MusicRecService.RunAsync(options, ct);
        });
        return command;
    }
}
