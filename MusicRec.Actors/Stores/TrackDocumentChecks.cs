namespace MusicRec.Stores;

/// <summary>What the persistent stores check before writing a document.</summary>
public static class TrackDocumentChecks
{
    /// <summary>The document and its metadata must agree on the id: the key is the document's.</summary>
    public static void Validate(TrackDocument d)
    {
        if (d.Metadata.TrackId != d.TrackId)
            throw new ArgumentException($"track document {d.TrackId} carries metadata of track {d.Metadata.TrackId}");
    }
}
