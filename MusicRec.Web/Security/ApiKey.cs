using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MusicRec.Web.Security;

/// <summary>
/// The service's API key (<c>serve --api-key</c>, <c>MUSICREC_API_KEY</c>, <c>--api-key-file</c>). Holds only the
/// key's SHA-256 and an HMAC key derived from it, so neither a comparison nor a log line handles the key itself.
/// </summary>
public sealed class ApiKey
{
    public const string Header = "X-API-Key";
    public const int MinimumLength = 16;

    private readonly byte[] _hash;
    private readonly byte[] _signingKey;

    private ApiKey(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        _hash = SHA256.HashData(bytes);
        // Tokens are signed with a key derived from the API key: every node with the same key accepts them.
        _signingKey = HMACSHA256.HashData(bytes, "musicrec-session-tokens-v1"u8);
    }

    /// <summary>A usable key, or an <see cref="ArgumentException"/> saying why not (never quoting the key).</summary>
    public static ApiKey Create(string key)
    {
        var trimmed = key.Trim();
        if (trimmed.Length < MinimumLength)
            throw new ArgumentException($"the API key must be at least {MinimumLength} characters (got {trimmed.Length}); for example `openssl rand -hex 32`");
        if (trimmed.Any(char.IsControl))
            throw new ArgumentException("the API key must not contain control characters");
        return new ApiKey(trimmed);
    }

    /// <summary>Constant-time comparison of the hashes: the time taken says nothing about how much matched, nor the length.</summary>
    public bool Matches(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate)) return false;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(candidate.Trim()));
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }

    /// <summary>A token "purpose.expiry.nonce.signature" that <see cref="VerifyToken"/> accepts until <paramref name="expires"/>.</summary>
    public string IssueToken(string purpose, DateTimeOffset expires)
    {
        var body = $"{purpose}.{expires.ToUnixTimeSeconds()}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}";
        return body + "." + Sign(body);
    }

    public bool VerifyToken(string? token, string purpose, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 256) return false;
        var lastDot = token.LastIndexOf('.');
        if (lastDot <= 0) return false;
        var body = token[..lastDot];
        var parts = body.Split('.');
        if (parts.Length != 3 || parts[0] != purpose) return false;
        if (!long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expiry)
            || expiry < now.ToUnixTimeSeconds()) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(body)), Encoding.ASCII.GetBytes(token[(lastDot + 1)..]));
    }

    private string Sign(string body) => Convert.ToHexString(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(body)));

    public override string ToString() => "(API key)";

    /// <summary>
    /// True when <paramref name="url"/> can only be reached from this machine: a loopback address or "localhost".
    /// "0.0.0.0", "*", "+" and any other host listen beyond it.
    /// </summary>
    public static bool IsLoopbackUrl(string url)
    {
        // Kestrel's wildcards are not valid URI hosts; they are never loopback.
        var host = url.Contains("://*", StringComparison.Ordinal) || url.Contains("://+", StringComparison.Ordinal)
            ? null
            : Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : null;
        if (host is null) return false;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
