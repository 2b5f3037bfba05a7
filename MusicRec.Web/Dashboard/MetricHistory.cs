namespace MusicRec.Web.Dashboard;

/// <summary>The last hour of dashboard samples in a ring (a fixed number of slots, oldest overwritten); thread-safe.</summary>
public sealed class MetricHistory
{
    private readonly DashboardSample?[] _ring;
    private int _next;
    private int _count;

    public MetricHistory(TimeSpan interval, TimeSpan window)
    {
        if (interval <= TimeSpan.Zero || window < interval) throw new ArgumentException("the interval must be positive and at most the window");
        Interval = interval;
        _ring = new DashboardSample?[(int)Math.Ceiling(window / interval) + 1];
    }

    public TimeSpan Interval { get; }
    public int Capacity => _ring.Length;

    public void Add(DashboardSample sample)
    {
        lock (_ring)
        {
            _ring[_next] = sample;
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }
    }

    /// <summary>Samples taken after <paramref name="afterUnixMs"/>, oldest first.</summary>
    public DashboardSeries After(long afterUnixMs)
    {
        var result = new List<DashboardSample>();
        lock (_ring)
        {
            for (var i = 0; i < _count; i++)
            {
                var sample = _ring[(_next - _count + i + _ring.Length) % _ring.Length]!;
                if (sample.T > afterUnixMs) result.Add(sample);
            }
        }
        return new DashboardSeries((long)Interval.TotalMilliseconds, result);
    }
}
