using Microsoft.Extensions.Configuration;

namespace MusicRec.Web;

/// <summary>Settings of the recommendations web host; every value has a safe default (loopback, bounded memory).</summary>
public sealed record WebOptions
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Where Kestrel listens. Loopback by default; anything else must be configured explicitly.</summary>
    public string Url { get; init; } = DefaultUrl;
    /// <summary>How many recent batches are kept per user (the newest is the current one, the rest are history).</summary>
    public int BatchesPerUser { get; init; } = 10;
    /// <summary>How many users' batches are kept; the least recently updated user is dropped beyond this.</summary>
    public int MaxUsers { get; init; } = 10_000;
    /// <summary>How many recent batch ids per user are remembered to drop repeats (at-least-once delivery).</summary>
    public int RememberedBatchIdsPerUser { get; init; } = 256;
    /// <summary>Concurrent Server-Sent-Event streams accepted; beyond this the stream endpoint answers 503.</summary>
    public int MaxStreams { get; init; } = 2_000;
    /// <summary>Batches buffered per stream for a slow client; older ones are dropped (the client only needs the newest).</summary>
    public int StreamBuffer { get; init; } = 16;
    /// <summary>Interval of SSE comment heartbeats that keep proxies and the browser from closing an idle stream.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>The SSE <c>retry:</c> the browser waits before reconnecting.</summary>
    public TimeSpan ClientRetry { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Reads the options from configuration: <c>MUSICREC_WEB_URL</c> (or <c>Web:Url</c> / <c>--url</c>) and the
    /// <c>Web</c> section (appsettings.json, <c>Web__MaxUsers</c> environment variables, <c>--Web:MaxUsers=…</c>).
    /// </summary>
    public static WebOptions FromConfiguration(IConfiguration config)
    {
        var defaults = new WebOptions();
        var section = config.GetSection("Web");
        return new WebOptions
        {
            Url = FirstNonEmpty(config["url"], config["MUSICREC_WEB_URL"], section["Url"]) ?? defaults.Url,
            BatchesPerUser = section.GetValue(nameof(BatchesPerUser), defaults.BatchesPerUser),
            MaxUsers = section.GetValue(nameof(MaxUsers), defaults.MaxUsers),
            RememberedBatchIdsPerUser = section.GetValue(nameof(RememberedBatchIdsPerUser), defaults.RememberedBatchIdsPerUser),
            MaxStreams = section.GetValue(nameof(MaxStreams), defaults.MaxStreams),
            StreamBuffer = section.GetValue(nameof(StreamBuffer), defaults.StreamBuffer),
            Heartbeat = section.GetValue(nameof(Heartbeat), defaults.Heartbeat),
            ClientRetry = section.GetValue(nameof(ClientRetry), defaults.ClientRetry),
        }.Validated();
    }

    /// <summary>Throws <see cref="ArgumentException"/> with a message naming the bad setting.</summary>
    public WebOptions Validated()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"web URL '{Url}' is not an absolute http(s) URL (for example {DefaultUrl})");
        Positive(BatchesPerUser, nameof(BatchesPerUser));
        Positive(MaxUsers, nameof(MaxUsers));
        Positive(RememberedBatchIdsPerUser, nameof(RememberedBatchIdsPerUser));
        Positive(MaxStreams, nameof(MaxStreams));
        Positive(StreamBuffer, nameof(StreamBuffer));
        if (Heartbeat <= TimeSpan.Zero) throw new ArgumentException("Web:Heartbeat must be positive");
        if (ClientRetry <= TimeSpan.Zero) throw new ArgumentException("Web:ClientRetry must be positive");
        return this;
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"Web:{name} must be a positive number, got {value}");
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
