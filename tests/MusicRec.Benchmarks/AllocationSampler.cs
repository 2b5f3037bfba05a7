using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// Which types the process allocates, sampled in-process from the runtime's AllocationTick events (one about every
/// 100 KB allocated, naming the type that crossed the mark): enough to rank where allocation comes from without an
/// external profiler. Benchmarks enable it with --alloc-profile.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    private volatile bool _on;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    public void Start()
    {
        _bytes.Clear();
        _on = true;
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public void Report(string label, long events, int top = 25)
    {
        _on = false;
        var total = _bytes.Values.Sum();
        Console.WriteLine($"  allocation by type ({label}; sampled, {total / (double)Math.Max(1, events):0} bytes per event in all):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
            Console.WriteLine($"    {bytes / (double)Math.Max(1, events),8:0} B/event  {100.0 * bytes / Math.Max(1, total),5:0.0}%  {type}");
    }
}
