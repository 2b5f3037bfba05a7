using System.Net.Http.Json;
using System.Text.Json;

namespace MusicRec.IntegrationTests.Demo;

internal static class DemoBatches
{
    /// <summary>The user's first recommendation batch from the page's API, or default when none came within the time.</summary>
    public static async Task<JsonElement> FirstAsync(HttpClient http, string user, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var body = await http.GetFromJsonAsync<JsonElement>($"/api/users/{user}/recommendations");
            var batches = body.GetProperty("batches");
            if (batches.GetArrayLength() > 0) return batches[0];
            await Task.Delay(500);
        }
        return default;
    }
}
