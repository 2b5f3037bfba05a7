using System.Text.Json;
using Akka.Actor;
using MusicRec.Catalog;

namespace MusicRec.Etl;

/// <summary>One track whose audio still needs features, as handed to a worker.</summary>
public sealed record WorkItem(int TrackId, string AudioPath, AudioFileKey Key);

public static class CatalogueFeederProtocol
{
    /// <summary>A worker is idle and asks for its next track (the pull that keeps memory flat).</summary>
    public sealed record RequestWork
    {
        public static readonly RequestWork Instance = new();
    }

    public sealed record Work(WorkItem Item);

    public sealed record NoMoreWork
    {
        public static readonly NoMoreWork Instance = new();
    }

    internal sealed record ReadMore
    {
        public static readonly ReadMore Instance = new();
    }
}

/// <summary>
/// Extraction: streams the merged catalogue, resolves each track's audio file, skips tracks whose features the
/// checkpoint already holds for the same file, and hands the rest out one at a time to workers that ask.
/// Reads the catalogue in small chunks between requests, so workers start while the metadata is still being read.
/// </summary>
public sealed class CatalogueFeeder : ReceiveActor
{
    private const int ChunkSize = 256;

    private readonly ICatalogReader _reader;
    private readonly string _audioDir;
    private readonly string _runTracksPath;
    private readonly IReadOnlyDictionary<int, CheckpointEntry> _checkpoint;
    private readonly IActorRef _coordinator;
    private readonly int _maxQueued;
    private readonly FeaturesCsvTable? _csv;

    // Waiting tracks as small structs (id and file key; the full path is made when one is handed out): the whole
    // catalogue can wait here, so an entry must cost tens of bytes, not a record and a path string per track.
    private readonly Queue<(int TrackId, AudioFileKey Key)> _queue = new();
    private readonly Queue<IActorRef> _idleWorkers = new();
    private readonly Dictionary<IActorRef, WorkItem> _outstanding = new();
    private readonly Dictionary<int, LineRef> _metadata = new();
    private readonly HashSet<int> _seenIds = new();
    private IEnumerator<TrackRecord>? _tracks;
    private FileStream? _runTracks;
    private bool _exhausted;
    private bool _reading;
    private int _seen;
    private int _queuedTotal;
    private int _maxInFlight;

    /// <param name="csv">features.csv's vectors: a track without its audio takes its features from here (null: audio only).</param>
    public CatalogueFeeder(ICatalogReader reader, string audioDir, string runTracksPath,
        IReadOnlyDictionary<int, CheckpointEntry> checkpoint, IActorRef coordinator, int maxQueued, FeaturesCsvTable? csv = null)
    {
        _csv = csv;
        _reader = reader;
        _audioDir = audioDir;
        _runTracksPath = runTracksPath;
        _checkpoint = checkpoint;
        _coordinator = coordinator;
        _maxQueued = Math.Max(1, maxQueued);

        Receive<CatalogueFeederProtocol.ReadMore>(_ => ReadChunk());
        Receive<CatalogueFeederProtocol.RequestWork>(_ => OnRequest(Sender));
    }

    public static Props Props(ICatalogReader reader, string audioDir, string runTracksPath,
        IReadOnlyDictionary<int, CheckpointEntry> checkpoint, IActorRef coordinator, int maxQueued, FeaturesCsvTable? csv = null) =>
        Akka.Actor.Props.Create(() => new CatalogueFeeder(reader, audioDir, runTracksPath, checkpoint, coordinator, maxQueued, csv));

    protected override void PreStart()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_runTracksPath))!);
        // Per-run file: the metadata of this run's catalogue, read back by offset when final.csv is written.
        _runTracks = new FileStream(_runTracksPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        ScheduleRead();
    }

    protected override void PostStop()
    {
        _runTracks?.Dispose();
        _tracks?.Dispose();
    }

    private void OnRequest(IActorRef worker)
    {
        _outstanding.Remove(worker);
        if (_queue.Count > 0) Dispatch(worker);
        else if (_exhausted) worker.Tell(CatalogueFeederProtocol.NoMoreWork.Instance);
        else _idleWorkers.Enqueue(worker);
        if (!_reading && !_exhausted && _queue.Count <= _maxQueued / 2) ScheduleRead();
    }

    private void Dispatch(IActorRef worker)
    {
        var (trackId, key) = _queue.Dequeue();
        var item = new WorkItem(trackId, Path.Combine(_audioDir, key.File), key);
        _outstanding[worker] = item;
        if (_outstanding.Count > _maxInFlight)
        {
            _maxInFlight = _outstanding.Count;
            _coordinator.Tell(new EtlCoordinatorProtocol.InFlightPeak(_maxInFlight));
        }
        worker.Tell(new CatalogueFeederProtocol.Work(item));
    }

    private void ScheduleRead()
    {
        _reading = true;
        Self.Tell(CatalogueFeederProtocol.ReadMore.Instance);
    }

    private void ReadChunk()
    {
        _reading = false;
        if (_exhausted) return;
        // Created lazily here (not in PreStart) so a CatalogException fails this actor with the exception itself.
        _tracks ??= _reader.ReadTracks(r => _coordinator.Tell(new EtlCoordinatorProtocol.TrackRejected(r, FromAudio: false)))
            .GetEnumerator();
        for (var i = 0; i < ChunkSize; i++)
        {
            if (!_tracks.MoveNext())
            {
                Finish();
                return;
            }
            Accept(_tracks.Current);
        }
        _coordinator.Tell(new EtlCoordinatorProtocol.CatalogueProgress(_seen));
        while (_idleWorkers.Count > 0 && _queue.Count > 0) Dispatch(_idleWorkers.Dequeue());
        if (_queue.Count < _maxQueued) ScheduleRead();
    }

    private void Accept(TrackRecord track)
    {
        _seen++;
        if (!_seenIds.Add(track.TrackId))
        {
            Reject(track, null, "duplicate track_id: the track appears more than once in the catalogue");
            return;
        }
        var path = track.FileName is null ? null : Path.Combine(_audioDir, track.FileName);
        var info = path is null ? null : new FileInfo(path);
        if (info is null || !info.Exists)
        {
            if (_csv is null) Reject(track, path, "no audio file");
            else if (_csv.TryGet(track.TrackId, out _))
            {
                RecordMetadata(track with { FileName = null });
                _coordinator.Tell(new EtlCoordinatorProtocol.TrackFromCsv(track.TrackId));
            }
            // A rejected features.csv row is already in rejects.csv with its reason.
            else if (!_csv.WasRejected(track.TrackId)) Reject(track, path, "no audio file and no row in features.csv");
            return;
        }
        RecordMetadata(track);

        var key = AudioFileKey.Of(track.FileName!, info);
        if (_checkpoint.TryGetValue(track.TrackId, out var done) && done.Key == key)
        {
            _coordinator.Tell(new EtlCoordinatorProtocol.TrackReused(done, path!));
            return;
        }
        _queue.Enqueue((track.TrackId, key));
        _queuedTotal++;
    }

    private void RecordMetadata(TrackRecord track)
    {
        var offset = _runTracks!.Position;
        var json = JsonSerializer.SerializeToUtf8Bytes(track);
        _runTracks.Write(json);
        _runTracks.WriteByte((byte)'\n');
        _metadata[track.TrackId] = new LineRef(offset, json.Length);
    }

    private void Reject(TrackRecord track, string? path, string reason)
    {
        var source = path ?? Path.Combine(_audioDir, $"{track.TrackId / 1000:000}", $"{track.TrackId:000000}.*");
        _coordinator.Tell(new EtlCoordinatorProtocol.TrackRejected(new Reject(source, null, track.TrackId, reason), FromAudio: false));
    }

    private void Finish()
    {
        _exhausted = true;
        _runTracks!.Flush();
        _runTracks.Dispose();
        _runTracks = null;
        _tracks!.Dispose();
        _coordinator.Tell(new EtlCoordinatorProtocol.CatalogueRead(_seen, _queuedTotal, _metadata));
        while (_idleWorkers.Count > 0)
        {
            var worker = _idleWorkers.Dequeue();
            if (_queue.Count > 0) Dispatch(worker);
            else worker.Tell(CatalogueFeederProtocol.NoMoreWork.Instance);
        }
    }
}
