namespace MusicRec.Contracts;

/// <summary>
/// The one user id rule (docs/interface.md): <c>^[A-Za-z0-9_-]{1,64}$</c>, used by the pipeline's validation, the web
/// host and the admin endpoints. Checked by hand: a regex <c>$</c> also matches before a trailing newline, so
/// <c>"u1\n"</c> would pass.
/// </summary>
public static class UserIds
{
    public const string Pattern = "^[A-Za-z0-9_-]{1,64}$";
    public const int MaxLength = 64;

    public static bool IsValid(string? userId)
    {
        if (string.IsNullOrEmpty(userId) || userId.Length > MaxLength) return false;
        foreach (var c in userId)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-')) return false;
        return true;
    }
}
