using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MusicRec.Contracts;
using MusicRec.Streaming;

namespace MusicRec.Web;

/// <summary>
/// <c>GET /api/stream/{id}</c>: the user's batches as Server-Sent Events. On connect: <c>retry:</c>, then the newest
/// batch (unless the browser's <c>Last-Event-ID</c> says it has it), then each new batch as it arrives; a comment
/// line every <see cref="WebOptions.Heartbeat"/> keeps idle connections open. Each event is
/// <c>id: BATCH_ID</c>, <c>event: batch</c>, <c>data: BATCH_JSON</c> (the <c>recommendations</c> message of SPEC.md).
/// </summary>
internal static class ServerSentEvents
{
    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();
    // One batch goes to every page open for its user: serialise it once, not once per page.
    private static readonly ConditionalWeakTable<RecommendationBatch, byte[]> Frames = new();

    public static async Task StreamAsync(string id, HttpContext context, BatchBoard board, WebOptions options,
        IHostApplicationLifetime lifetime)
    {
        if (!UserIds.IsValid(id))
        {
            await WebApi.InvalidUserId().ExecuteAsync(context);
            return;
        }
        using var subscription = board.Subscribe(id);
        if (subscription is null)
        {
            context.Response.Headers.RetryAfter = "10";
            await Results.Problem(title: "Too many live streams", detail: "The server is at its stream limit; try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
            return;
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // End with the client or with the host, so shutdown does not wait for open pages.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;
        try
        {
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes($"retry: {(long)options.ClientRetry.TotalMilliseconds}\n\n"), ct);
            var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
            if (subscription.Current is { } current && current.BatchId != lastEventId)
                await response.Body.WriteAsync(Frames.GetValue(current, Frame), ct);
            await response.Body.FlushAsync(ct);

            // One heartbeat timer per interval (not one per batch): a wait for batches stays pending across beats.
            var batches = subscription.Batches;
            var beat = Task.Delay(options.Heartbeat, ct);
            Task<bool>? waiting = null;
            while (!ct.IsCancellationRequested)
            {
                if (waiting is null)
                {
                    var ready = batches.WaitToReadAsync(ct);
                    if (ready.IsCompletedSuccessfully)
                    {
                        if (!ready.Result) break;
                        await WriteAvailableAsync();
                        continue;
                    }
                    waiting = ready.AsTask();
                }
                if (await Task.WhenAny(waiting, beat) == beat)
                {
                    ct.ThrowIfCancellationRequested();
                    await response.Body.WriteAsync(Heartbeat, ct);
                    await response.Body.FlushAsync(ct);
                    beat = Task.Delay(options.Heartbeat, ct);
                    continue;
                }
                var more = await waiting;
                waiting = null;
                if (!more) break;
                await WriteAvailableAsync();
            }

            // Copy every waiting frame into the response pipe, then one flush: one socket write per wake-up.
            async Task WriteAvailableAsync()
            {
                while (batches.TryRead(out var batch))
                    response.BodyWriter.Write(Frames.GetValue(batch, Frame));
                await response.BodyWriter.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away or the host is stopping: the stream simply ends.
            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(ServerSentEvents))
                .LogDebug("Stream for user {User} closed", id);
        }
    }

    internal static byte[] Frame(RecommendationBatch batch)
    {
        // The JSON is one line (the serializer escapes newlines inside strings); batch ids with control
        // characters never reach the board (RecommendationFeedReader.Problem).
        var json = JsonSerializer.Serialize(batch, WebJson.Options);
        return Encoding.UTF8.GetBytes($"id: {batch.BatchId}\nevent: batch\ndata: {json}\n\n");
    }
}
