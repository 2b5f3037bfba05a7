using System.Text;
using MusicRec.Contracts;
using MusicRec.Streaming;
using MusicRec.Streaming.Transport;

namespace MusicRec.Tests.Streaming;

internal static class StreamingTestData
{
    public static ActivityEvent Event(string user, int track, string action = Actions.Listen, string? id = null) =>
        new(id ?? Guid.NewGuid().ToString(), user, track, action, DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    public static string Json(ActivityEvent e) => StreamingJson.Serialize(e);

    public static string Text(ConsumedRecord r) => r.Value is null ? "" : Encoding.UTF8.GetString(r.Value);

    /// <summary>Waits until the condition holds, or fails with the message.</summary>
    public static async Task Eventually(Func<bool> condition, TimeSpan timeout, Func<string> message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail(message());
            await Task.Delay(20);
        }
    }
}
