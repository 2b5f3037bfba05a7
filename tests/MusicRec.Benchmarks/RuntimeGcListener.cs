using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// The runtime's GC events, in process (no external profiler): subscribes at the level a subclass needs and hands it
/// the events written between <see cref="Start"/> and <see cref="Stop"/>. The runtime hands events to in-process
/// listeners a little later, on its own thread: the window is by the events' own timestamps, so the full collection
/// just before <see cref="Start"/> is not counted in the measurement and a pause just before <see cref="Stop"/> is.
/// </summary>
internal abstract class RuntimeGcListener : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _fromTicks = long.MaxValue;
    private long _toTicks = long.MaxValue;

    /// <summary>
    /// The events' level (a constant: the base constructor subscribes to the sources that already exist, before any
    /// field of the subclass is set).
    /// </summary>
    protected abstract EventLevel Level { get; }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, Level, GcKeyword);
    }

    /// <summary>Forgets what was recorded and records from now on.</summary>
    public void Start()
    {
        Clear();
        Interlocked.Exchange(ref _toTicks, long.MaxValue);
        Interlocked.Exchange(ref _fromTicks, DateTime.UtcNow.Ticks);
    }

    protected void Stop() => Interlocked.Exchange(ref _toTicks, DateTime.UtcNow.Ticks);

    protected abstract void Clear();

    protected abstract void OnGcEvent(string name, EventWrittenEventArgs e);

    protected sealed override void OnEventWritten(EventWrittenEventArgs e)
    {
        var at = e.TimeStamp.ToUniversalTime().Ticks;
        if (at >= Interlocked.Read(ref _fromTicks) && at <= Interlocked.Read(ref _toTicks) && e.EventName is { } name) OnGcEvent(name, e);
    }

    /// <summary>A numeric field of the event's payload (0 when absent).</summary>
    protected static long Payload(EventWrittenEventArgs e, string name) =>
        e.Payload is not null && e.PayloadNames!.IndexOf(name) is var i and >= 0 ? Convert.ToInt64(e.Payload[i]) : 0;
}
