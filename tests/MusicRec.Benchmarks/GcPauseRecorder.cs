using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// Every stop-the-world pause of the runtime (threads suspended until resumed), with the generation collected and
/// the bytes it promoted, from the runtime's own GC events: the latency tail is set by the longest of these, which
/// the totals of <see cref="GcFigures"/> do not show.
/// </summary>
internal sealed class GcPauseRecorder : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentQueue<(double Ms, int Generation, long Promoted)> _pauses = new();
    private DateTime _suspendedAt;
    private int _generation = -1;
    private long _promoted;
    private volatile bool _on;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    public void Start()
    {
        _pauses.Clear();
        _on = true;
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is not { } name) return;
        if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
        {
            _suspendedAt = e.TimeStamp;
            _generation = -1;
            _promoted = 0;
        }
        else if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            _generation = Math.Max(_generation, (int)Payload(e, "Depth"));
        }
        else if (name.StartsWith("GCHeapStats", StringComparison.Ordinal))
        {
            _promoted = Payload(e, "TotalPromotedSize0") + Payload(e, "TotalPromotedSize1");
        }
        else if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _suspendedAt != default)
        {
            _pauses.Enqueue(((e.TimeStamp - _suspendedAt).TotalMilliseconds, _generation, _promoted));
            _suspendedAt = default;
        }
    }

    private static long Payload(EventWrittenEventArgs e, string name) =>
        e.Payload is not null && e.PayloadNames!.IndexOf(name) is var i and >= 0 ? Convert.ToInt64(e.Payload[i]) : 0;

    /// <summary>Pause count, the longest pauses and the time paused per generation since <see cref="Start"/>.</summary>
    public string Describe()
    {
        _on = false;
        var pauses = _pauses.ToArray();
        if (pauses.Length == 0) return "no pauses";
        // Generation -1: the runtime suspended the threads for something other than a collection.
        var longest = string.Join(", ", pauses.OrderByDescending(p => p.Ms).Take(3)
            .Select(p => $"{p.Ms:0.0} ms (gen{p.Generation}, promoted {p.Promoted / 1e6:0.0} MB)"));
        var byGen = string.Join(", ", pauses.GroupBy(p => p.Generation).OrderBy(g => g.Key)
            .Select(g => $"gen{g.Key} {g.Count()}x {g.Sum(p => p.Ms):0} ms"));
        return $"{pauses.Length} pauses; longest {longest}; {byGen}";
    }
}
