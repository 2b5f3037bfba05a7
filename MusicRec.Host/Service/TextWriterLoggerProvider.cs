using Microsoft.Extensions.Logging;

namespace MusicRec.Host.Service;

/// <summary>
/// Writes each log entry as one line (UTC time, level, category, message; the exception below it) to a text
/// writer: the demo's log file. Written here because no kept package writes Microsoft.Extensions.Logging to a file
/// without bringing in a second logging framework. Levels are filtered by the logger factory's rules, as for the console.
/// </summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private bool _disposed;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Stops writing (the writer belongs to the caller): late entries during shutdown are dropped, not thrown.</summary>
    public void Dispose()
    {
        lock (_gate) _disposed = true;
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            if (_disposed) return;
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private sealed class Logger(TextWriterLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            owner.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
