using Microsoft.Playwright;

namespace MusicRec.IntegrationTests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright (.NET). The driver (node + the playwright package) ships inside the
/// NuGet package and is copied to .playwright in the test output; the browser is MUSICREC_TEST_CHROMIUM, never a
/// `playwright install` download. For every browser test, including end-to-end ones against the real recommender.
/// </summary>
internal sealed class DebianChromium : IAsyncDisposable
{
    public static readonly string[] Args =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

    private DebianChromium(IPlaywright playwright, IBrowser browser)
    {
        Playwright = playwright;
        Browser = browser;
    }

    public IPlaywright Playwright { get; }
    public IBrowser Browser { get; }

    /// <summary>The Chromium executable; fails the test (never skips) when scripts/test.sh has not set it up.</summary>
    public static string ExecutablePath()
    {
        var path = Environment.GetEnvironmentVariable("MUSICREC_TEST_CHROMIUM");
        if (string.IsNullOrEmpty(path))
            Assert.Fail("MUSICREC_TEST_CHROMIUM is not set: run the tests with scripts/test.sh (it installs Debian's chromium and sets it)");
        if (!File.Exists(path))
            Assert.Fail($"MUSICREC_TEST_CHROMIUM={path} does not exist: run scripts/test.sh (apt-get install chromium)");
        return path;
    }

    /// <summary>Where screenshots go: MUSICREC_TEST_ARTIFACTS, else artifacts/ in the test output folder.</summary>
    public static string ArtifactsDir()
    {
        var dir = Environment.GetEnvironmentVariable("MUSICREC_TEST_ARTIFACTS");
        if (string.IsNullOrEmpty(dir)) dir = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static async Task<DebianChromium> LaunchAsync()
    {
        var executable = ExecutablePath();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = Args,
            });
            return new DebianChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
    }
}
