using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MusicRec.Web.Security;

namespace MusicRec.Tests.Web.Security;

public class ApiKeyTests
{
    private const string Key = "correct-horse-battery-staple-42";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Only_the_exact_key_matches()
    {
        var key = ApiKey.Create(Key);
        Assert.True(key.Matches(Key));
        Assert.False(key.Matches(Key + "x"));
        Assert.False(key.Matches(Key[..^1]));
        Assert.False(key.Matches(""));
        Assert.False(key.Matches(null));
        Assert.Equal("(API key)", key.ToString());
    }

    [Theory]
    [InlineData("short")]
    [InlineData("               ")]
    public void A_short_key_is_refused_without_quoting_it(string bad)
    {
        var e = Assert.Throws<ArgumentException>(() => ApiKey.Create(bad));
        Assert.Contains("at least 16", e.Message);
        if (bad.Trim().Length > 0) Assert.DoesNotContain(bad, e.Message);
    }

    [Fact]
    public void A_token_holds_until_it_expires_and_not_when_altered_or_signed_with_another_key()
    {
        var key = ApiKey.Create(Key);
        var token = key.IssueToken("admin", Now.AddHours(1));
        Assert.True(key.VerifyToken(token, "admin", Now));
        Assert.False(key.VerifyToken(token, "listener", Now));
        Assert.False(key.VerifyToken(token, "admin", Now.AddHours(2)));
        Assert.False(ApiKey.Create(Key + "-other").VerifyToken(token, "admin", Now));
        var later = token.Replace($".{Now.AddHours(1).ToUnixTimeSeconds()}.", $".{Now.AddDays(30).ToUnixTimeSeconds()}.");
        Assert.False(key.VerifyToken(later, "admin", Now));
        Assert.False(key.VerifyToken(token[..^1] + (token[^1] == '0' ? '1' : '0'), "admin", Now));
        Assert.False(key.VerifyToken("admin.1.2", "admin", Now));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://0.0.0.0:5080", false)]
    [InlineData("http://*:5080", false)]
    [InlineData("http://+:5080", false)]
    [InlineData("http://10.0.0.11:5080", false)]
    [InlineData("http://node1:5080", false)]
    public void Loopback_urls_are_told_apart(string url, bool loopback) => Assert.Equal(loopback, ApiKey.IsLoopbackUrl(url));
}

/// <summary>The gate in front of the web host: missing, wrong and right keys, the dashboard cookie and the page's cookie.</summary>
public class ApiKeyGateTests
{
    private const string Key = "correct-horse-battery-staple-42";
    private const string Activity = """{"user_id":"u1","track_id":1,"action":"like"}""";

    private static Task<WebTestHost> StartAsync() => WebTestHost.StartAsync(apiKey: ApiKey.Create(Key),
        mapMore: app => app.MapGet("/api/admin/ping", () => Results.Text("pong")));

    private static HttpRequestMessage Post(string? key = null, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/activity") { Content = new StringContent(Activity, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Add(ApiKey.Header, key);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        return request;
    }

    private static HttpRequestMessage Get(string path, string? key = null, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Add(ApiKey.Header, key);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        return request;
    }

    [Fact]
    public async Task Admin_endpoints_need_the_right_key()
    {
        await using var host = await StartAsync();
        var missing = await host.Client.SendAsync(Get("/api/admin/ping"));
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-API-Key", missing.Headers.WwwAuthenticate.ToString());
        var wrong = await host.Client.SendAsync(Get("/api/admin/ping", key: Key + "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.DoesNotContain(Key, await wrong.Content.ReadAsStringAsync());
        var right = await host.Client.SendAsync(Get("/api/admin/ping", key: Key));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("pong", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Activity_from_outside_the_page_needs_the_key()
    {
        await using var host = await StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Post())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Post(key: "not-the-key-at-all-0000"))).StatusCode);
        Assert.Empty(host.Publisher.Published);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(Post(key: Key))).StatusCode);
        Assert.Single(host.Publisher.Published);
        // Reads stay open: the page and its stream need no key.
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/users/u1/recommendations")).StatusCode);
    }

    [Fact]
    public async Task The_page_hands_its_listener_a_cookie_that_lets_it_post_activity_and_nothing_else()
    {
        await using var host = await StartAsync();
        var page = await host.Client.GetAsync("/?user=u1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var setCookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(ApiKeyGate.ListenerCookie + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/activity", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];

        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(Post(cookie: cookie))).StatusCode);
        // The listener cookie is no admin session.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Get("/api/admin/ping", cookie: cookie))).StatusCode);
        // A forged or altered cookie is refused.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Post(cookie: cookie[..^2] + "00"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Post(cookie: $"{ApiKeyGate.ListenerCookie}=listener.9999999999.00.00"))).StatusCode);
    }

    [Fact]
    public async Task Dashboard_key_in_the_query_sets_a_session_cookie_and_leaves_the_address_bar()
    {
        await using var host = await StartAsync();
        var wrong = await host.Client.SendAsync(Get("/dashboard?key=wrong-key-wrong-key-1"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        var right = await host.Client.SendAsync(Get($"/dashboard?key={Key}&user=u1"));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("/dashboard?user=u1", right.Headers.Location?.ToString());
        var setCookie = Assert.Single(right.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(ApiKeyGate.AdminCookie + "=", setCookie);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("expires", setCookie, StringComparison.OrdinalIgnoreCase); // a session cookie
        Assert.DoesNotContain(Key, setCookie);

        var session = setCookie.Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Get("/api/admin/ping", cookie: session))).StatusCode);
        // A wrong header is refused even beside a good cookie: a client that sends a key means that key.
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Client.SendAsync(Get("/api/admin/ping", key: "wrong-key-wrong-key-1", cookie: session))).StatusCode);
    }

    [Fact]
    public async Task Without_a_key_nothing_is_checked()
    {
        await using var host = await WebTestHost.StartAsync(mapMore: app => app.MapGet("/api/admin/ping", () => Results.Text("pong")));
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/api/admin/ping")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.SendAsync(Post())).StatusCode);
        Assert.False((await host.Client.GetAsync("/")).Headers.Contains("Set-Cookie"));
    }
}
