using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// Every stop-the-world pause of the runtime (threads suspended until resumed), with the generation collected and
/// the bytes it promoted, from the runtime's own GC events: the latency tail is set by the longest of these, which
/// the totals of <see cref="GcFigures"/> do not show.
/// </summary>
internal sealed class GcPauseRecorder : RuntimeGcListener
{
    private readonly ConcurrentQueue<(double Ms, int Generation, long Promoted, int Reason)> _pauses = new();
    private DateTime _suspendedAt;
    private int _generation = -1;
    private int _reason = -1;
    private long _promoted;

    protected override EventLevel Level => EventLevel.Informational;

    protected override void Clear() => _pauses.Clear();

    protected override void OnGcEvent(string name, EventWrittenEventArgs e)
    {
        if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
        {
            _suspendedAt = e.TimeStamp;
            _generation = -1;
            _reason = -1;
            _promoted = 0;
        }
        else if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            var depth = (int)Payload(e, "Depth");
            if (depth >= _generation) _reason = (int)Payload(e, "Reason");
            _generation = Math.Max(_generation, depth);
        }
        else if (name.StartsWith("GCHeapStats", StringComparison.Ordinal))
        {
            _promoted = Payload(e, "TotalPromotedSize0") + Payload(e, "TotalPromotedSize1");
        }
        else if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _suspendedAt != default)
        {
            _pauses.Enqueue(((e.TimeStamp - _suspendedAt).TotalMilliseconds, _generation, _promoted, _reason));
            _suspendedAt = default;
        }
    }

    /// <summary>Pause count, the longest pauses and the time paused per generation since <see cref="Start"/>.</summary>
    public string Describe()
    {
        Stop();
        var pauses = _pauses.ToArray();
        if (pauses.Length == 0) return "no pauses";
        // Generation -1: the runtime suspended the threads for something other than a collection.
        var longest = string.Join(", ", pauses.OrderByDescending(p => p.Ms).Take(3)
            .Select(p => $"{p.Ms:0.0} ms (gen{p.Generation}, promoted {p.Promoted / 1e6:0.0} MB)"));
        var byGen = string.Join(", ", pauses.GroupBy(p => p.Generation).OrderBy(g => g.Key)
            .Select(g => $"gen{g.Key} {g.Count()}x {g.Sum(p => p.Ms):0} ms"
                + (g.Key >= 1 ? $" ({string.Join(", ", g.GroupBy(p => ReasonName(p.Reason)).Select(r => $"{r.Count()} {r.Key}"))})" : "")));
        return $"{pauses.Length} pauses; longest {longest}; {byGen}";
    }

    /// <summary>The runtime's GC reason codes (GCStart's Reason field), for the collections that matter: gen1 and gen2.</summary>
    private static string ReasonName(int reason) => reason switch
    {
        0 => "small-object budget",
        1 => "induced",
        2 => "low memory",
        4 => "large-object budget",
        5 => "out of small-object space",
        6 => "out of large-object space",
        7 => "induced, not forced",
        8 => "internal tuning",
        _ => $"reason {reason}",
    };
}
