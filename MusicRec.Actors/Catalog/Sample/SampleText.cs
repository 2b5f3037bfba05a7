using System.Text;

namespace MusicRec.Catalog.Sample;

/// <summary>Made-up names and prose for the sample catalogue, including text a web page must escape.</summary>
internal static class SampleText
{
    private static readonly string[] Adjectives =
        ["Quiet", "Electric", "Golden", "Broken", "Hidden", "Velvet", "Distant", "Paper", "Midnight", "Crimson", "Silver",
         "Wandering", "Hollow", "Lucky", "Northern", "Restless", "Static", "Gentle", "Wild", "Lonely", "Bright", "Frozen"];

    private static readonly string[] Nouns =
        ["River", "Engine", "Garden", "Signal", "Harbor", "Lantern", "Machine", "Orchard", "Mirror", "Window", "Satellite",
         "Forest", "Circuit", "Compass", "Echo", "Tide", "Parade", "Meadow", "Tower", "Ghost", "Canyon", "Letter"];

    private static readonly string[] FirstNames =
        ["Ada", "Ben", "Clara", "Diego", "Elif", "Farah", "Gus", "Hana", "Ivo", "June", "Kofi", "Lena", "Mads", "Noor", "Otto", "Pia"];

    private static readonly string[] LastNames =
        ["Abara", "Berg", "Castillo", "Dumont", "Eze", "Fischer", "Garcia", "Holm", "Ito", "Jensen", "Kowalski", "Laine", "Moreau", "Novak"];

    private static readonly string[] Words =
        ["sound", "tape", "night", "city", "record", "song", "voice", "guitar", "room", "light", "friends", "road", "studio",
         "summer", "winter", "noise", "melody", "drum", "band", "tour", "basement", "radio", "dream", "loop", "field"];

    /// <summary>Titles that must be shown as text, never as markup (HTML, quotes, commas, ampersands, non-ASCII).</summary>
    public static readonly IReadOnlyList<string> TrickyTitles =
    [
        "<script>alert(1)</script>",
        "Rock & Roll \"Live\", Part 2",
        "Tom's <b>Bold</b> Move",
        "Commas, \"Quotes\" & <Angles>",
        "Café Sévère — naïve façade",
        "&amp; &lt;not an entity&gt;",
        "'; DROP TABLE tracks; --",
        "=HYPERLINK(\"http://example.invalid\")",
        "  spaces around  ",
        "Ünïcödé ✓ 日本語 🎵",
    ];

    public static readonly IReadOnlyList<string> TrickyArtists =
        ["AC/DC & \"Friends\"", "<i>Italic</i> Band", "O'Brien, Smith & Co.", "Sigur Rós"];

    public static string Title(ref SampleRng rng) => rng.Next(4) switch
    {
        0 => $"{rng.Pick(Adjectives)} {rng.Pick(Nouns)}",
        1 => $"The {rng.Pick(Nouns)}",
        2 => $"{rng.Pick(Nouns)} of the {rng.Pick(Adjectives)} {rng.Pick(Nouns)}",
        _ => $"{rng.Pick(Adjectives)} {rng.Pick(Words)}",
    };

    public static string ArtistName(ref SampleRng rng) => rng.Next(3) switch
    {
        0 => $"{rng.Pick(FirstNames)} {rng.Pick(LastNames)}",
        1 => $"The {rng.Pick(Adjectives)} {rng.Pick(Nouns)}s",
        _ => $"{rng.Pick(Adjectives)} {rng.Pick(Nouns)}",
    };

    public static string Person(ref SampleRng rng) => $"{rng.Pick(FirstNames)} {rng.Pick(LastNames)}";

    /// <summary>HTML-ish multi-paragraph prose like FMA bios: commas, quotes and line breaks inside one CSV field.</summary>
    public static string Prose(ref SampleRng rng, int targetChars)
    {
        if (targetChars <= 0) return "";
        var sb = new StringBuilder(targetChars + 64).Append("<p>");
        while (sb.Length < targetChars)
        {
            var words = rng.Range(6, 16);
            for (var w = 0; w < words; w++)
            {
                var word = rng.Pick(Words);
                if (w == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
                sb.Append(word);
                sb.Append(w == words - 1 ? "" : rng.Chance(0.1) ? ", " : " ");
            }
            sb.Append(rng.Next(12) switch { 0 => ", \"quoted\".", 1 => " & more.", _ => "." });
            if (rng.Chance(0.25)) sb.Append("</p>\n<p>");
            else sb.Append(' ');
        }
        return sb.Append("</p>").ToString();
    }

    public static string Tags(ref SampleRng rng)
    {
        var n = rng.Next(3);
        if (n == 0) return "[]";
        var sb = new StringBuilder("[");
        for (var i = 0; i < n; i++) sb.Append(i > 0 ? ", '" : "'").Append(rng.Pick(Words)).Append('\'');
        return sb.Append(']').ToString();
    }

    public static string Handle(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return sb.ToString();
    }
}
