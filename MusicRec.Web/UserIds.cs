namespace MusicRec.Web;

/// <summary>The user id rule of SPEC.md: <c>^[A-Za-z0-9_-]{1,64}$</c> (checked by hand: a regex <c>$</c> would also accept a trailing newline).</summary>
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
