using MusicRec.Contracts;

namespace MusicRec.Streaming.Feedback;

/// <summary>What listeners did with recommended tracks of one source, counted since the node started.</summary>
public readonly record struct FeedbackCounts(long Listens, long Likes, long Skips)
{
    public long Total => Listens + Likes + Skips;
    /// <summary>Likes among the answers to recommended tracks (0 before any).</summary>
    public double LikeRate => Total == 0 ? 0 : (double)Likes / Total;
    /// <summary>Skips among the answers to recommended tracks (0 before any).</summary>
    public double SkipRate => Total == 0 ? 0 : (double)Skips / Total;

    public static FeedbackCounts Sum(IEnumerable<FeedbackCounts> counts) =>
        counts.Aggregate(new FeedbackCounts(0, 0, 0), (a, c) => new FeedbackCounts(a.Listens + c.Listens, a.Likes + c.Likes, a.Skips + c.Skips));
}

/// <summary>
/// Counts listens, likes and skips of the tracks in each user's current batch (the three the page shows), keyed by
/// the source that suggested them (<see cref="RecommendedTrack.Source"/>), for the dashboard's like and skip rates. Remembers the current batch of at most
/// <see cref="MaxUsers"/> users (least recently active dropped), so memory stays bounded.
/// </summary>
public sealed class RecommendedFeedback(int maxUsers = RecommendedFeedback.DefaultMaxUsers)
{
    public const int DefaultMaxUsers = 100_000;
    public const string AudioSource = "audio";

    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string User, long Sequence, (int TrackId, string Source)[] Tracks)>> _current = new(StringComparer.Ordinal);
    private readonly LinkedList<(string User, long Sequence, (int TrackId, string Source)[] Tracks)> _recency = new();
    private readonly Dictionary<string, long[]> _counts = new(StringComparer.Ordinal) { [AudioSource] = new long[3] };

    public int MaxUsers { get; } = maxUsers > 0 ? maxUsers : throw new ArgumentOutOfRangeException(nameof(maxUsers));

    /// <summary>An applied event: counted when its track is in the user's current batch; then the batches it caused become current.</summary>
    public void Observe(ActivityEvent activity, IReadOnlyList<RecommendationBatch> caused)
    {
        var column = activity.Action switch { Actions.Listen => 0, Actions.Like => 1, Actions.Skip => 2, _ => -1 };
        lock (_gate)
        {
            if (column >= 0 && _current.TryGetValue(activity.UserId, out var node))
                foreach (var (trackId, source) in node.Value.Tracks)
                    if (trackId == activity.TrackId)
                    {
                        if (!_counts.TryGetValue(source, out var row)) _counts[source] = row = new long[3];
                        row[column]++;
                        break;
                    }
            if (caused.Count == 0) return;
            var latest = caused[^1];
            var sequence = SequenceOf(latest.BatchId);
            // Answers of one user's events may be observed out of order (they complete on the thread pool): an older
            // batch never replaces a newer one.
            var shown = _current.GetValueOrDefault(latest.UserId);
            if (shown is not null && shown.Value.Sequence > sequence) return;
            var entry = (latest.UserId, sequence, latest.Tracks.Select(t => (t.TrackId, t.Source)).ToArray());
            if (shown is null)
                _current[latest.UserId] = _recency.AddFirst(entry);
            else
            {
                // A known user: move its node to the front rather than allocate a new one per batch.
                shown.Value = entry;
                _recency.Remove(shown);
                _recency.AddFirst(shown);
            }
            while (_current.Count > MaxUsers && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _current.Remove(oldest.Value.User);
            }
        }
    }

    /// <summary>The sequence number of a batch id "{user}-{sequence}" (0 when it has none).</summary>
    private static long SequenceOf(string batchId) =>
        long.TryParse(batchId.AsSpan(batchId.LastIndexOf('-') + 1), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;

    public IReadOnlyDictionary<string, FeedbackCounts> Snapshot()
    {
        lock (_gate)
            return _counts.ToDictionary(p => p.Key, p => new FeedbackCounts(p.Value[0], p.Value[1], p.Value[2]), StringComparer.Ordinal);
    }
}
