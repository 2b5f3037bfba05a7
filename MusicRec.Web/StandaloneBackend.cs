using Microsoft.AspNetCore.Builder;

namespace MusicRec.Web;

/// <summary>
/// What MusicRec.Web needs when it runs as its own process: the store named by <c>MUSICREC_STORE</c>
/// (default <c>sqlite:./musicrec.db</c>) and, from <c>MUSICREC_KAFKA</c>, a Kafka <c>IRecommendationFeed</c> (its own
/// consumer group on <c>recommendations</c>) and a Kafka <c>IActivityPublisher</c> (<c>user_activity</c>).
/// This is the one place where those implementations are chosen; the web host itself only knows the interfaces.
/// </summary>
internal static class StandaloneBackend
{
    public const string DefaultStore = "sqlite:./musicrec.db";

    public static void Add(WebApplicationBuilder builder)
    {
        var store = builder.Configuration["MUSICREC_STORE"] ?? DefaultStore;
        var kafka = builder.Configuration["MUSICREC_KAFKA"];
        if (string.IsNullOrWhiteSpace(kafka))
            throw new StandaloneConfigurationException(
                "MusicRec.Web on its own reads recommendations from Kafka: set MUSICREC_KAFKA=HOST:PORT " +
                "(or run 'musicrec serve', which includes the web page)");
        // The store opener and the Kafka stages live with the store and streaming code, not in the web host.
        throw new StandaloneConfigurationException(
            $"this build of MusicRec.Web has no Kafka feed or store opener linked in (store {StoreUris.Masked(store)}): " +
            "run 'musicrec serve', which includes the web page");
    }
}

/// <summary>A configuration problem of the standalone process: printed as one line, no stack trace.</summary>
internal sealed class StandaloneConfigurationException(string message) : Exception(message);

internal static class StoreUris
{
    /// <summary>The URI with any password replaced by ***, for messages.</summary>
    public static string Masked(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.UserInfo.Contains(':')
            ? uri.Replace(u.UserInfo, u.UserInfo[..u.UserInfo.IndexOf(':')] + ":***", StringComparison.Ordinal)
            : uri;
}
