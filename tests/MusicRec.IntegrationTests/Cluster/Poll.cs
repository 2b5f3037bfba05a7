namespace MusicRec.IntegrationTests.Cluster;

/// <summary>Waits for something the system under test does in its own time.</summary>
internal static class Poll
{
    /// <summary>
    /// Checks <paramref name="condition"/>, then every <paramref name="interval"/> again until it holds; once
    /// <paramref name="timeout"/> has passed with it still false, fails the test with <paramref name="message"/>
    /// (asked for then, so it can show the last state seen). An exception from the condition ends the wait.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, Func<string> message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail(message());
            await Task.Delay(interval);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, TimeSpan, Func{string})"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan interval, Func<string> message) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, interval, message);
}
