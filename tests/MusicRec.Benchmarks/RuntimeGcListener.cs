using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// The runtime's GC events, in process (no external profiler): subscribes at the level a subclass needs and hands it
/// the events written between <see cref="Start"/> and <see cref="Stop"/>.
/// </summary>
internal abstract class RuntimeGcListener : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private volatile bool _on;

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
        _on = true;
    }

    protected void Stop() => _on = false;

    protected abstract void Clear();

    protected abstract void OnGcEvent(string name, EventWrittenEventArgs e);

    protected sealed override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (_on && e.EventName is { } name) OnGcEvent(name, e);
    }

    /// <summary>A numeric field of the event's payload (0 when absent).</summary>
    protected static long Payload(EventWrittenEventArgs e, string name) =>
        e.Payload is not null && e.PayloadNames!.IndexOf(name) is var i and >= 0 ? Convert.ToInt64(e.Payload[i]) : 0;
}
