using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MusicRec.Benchmarks;

/// <summary>
/// Which types the process allocates, sampled in-process from the runtime's AllocationTick events (one about every
/// 100 KB allocated, naming the type that crossed the mark): enough to rank where allocation comes from without an
/// external profiler. Benchmarks enable it with --alloc-profile.
/// </summary>
internal sealed class AllocationSampler : RuntimeGcListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    protected override EventLevel Level => EventLevel.Verbose;

    protected override void Clear() => _bytes.Clear();

    protected override void OnGcEvent(string name, EventWrittenEventArgs e)
    {
        if (!name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null) return;
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = Payload(e, "AllocationAmount64") is > 0 and var a ? a : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public void Report(string label, long events, int top = 25)
    {
        Stop();
        var total = _bytes.Values.Sum();
        Console.WriteLine($"  allocation by type ({label}; sampled, {total / (double)Math.Max(1, events):0} bytes per event in all):");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
            Console.WriteLine($"    {bytes / (double)Math.Max(1, events),8:0} B/event  {100.0 * bytes / Math.Max(1, total),5:0.0}%  {type}");
    }
}
