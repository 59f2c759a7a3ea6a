using Polly;
using Polly.Retry;

namespace ActorTrading.Exchanges.Transport;

/// <summary>
/// Retries through Polly: exponential backoff with jitter, only for errors that say so. Reads, leverage and
/// cancels are idempotent and retried on <see cref="ExchangeErrorKind.Retryable"/> and
/// <see cref="ExchangeErrorKind.OutcomeUnknown"/> alike. Orders go through <see cref="PlaceOnceAsync"/>:
/// after an unknown outcome the client order id is queried first, and the order is sent again only when the
/// exchange has no such order. Every attempt is built and signed afresh by the callback. Retries stay inside the
/// call's <see cref="ExchangeDeadline"/>: a retry whose delay would end after it is not started, and the call fails at
/// once with <see cref="ExchangeErrorCodes.DeadlineExceeded"/>, of kind <see cref="ExchangeErrorKind.OutcomeUnknown"/> when
/// the last attempt may have reached the venue, else <see cref="ExchangeErrorKind.Retryable"/>.
/// </summary>
internal static class Resilience
{
    public static ResiliencePipeline Pipeline(ExchangeClientSettings settings, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ExchangeException>(e =>
                    e.Kind is ExchangeErrorKind.Retryable or ExchangeErrorKind.OutcomeUnknown),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = TimeSpan.FromSeconds(10),
                OnRetry = static args =>
                {
                    // Thrown here, the error ends the pipeline instead of a delay the caller would give up during.
                    if (ExchangeDeadline.Current is { } deadline && args.RetryDelay >= deadline.Remaining && args.Outcome.Exception is ExchangeException last)
                    {
                        throw new ExchangeException(
                            last.Exchange,
                            last.Kind == ExchangeErrorKind.OutcomeUnknown ? ExchangeErrorKind.OutcomeUnknown : ExchangeErrorKind.Retryable,
                            ExchangeErrorCodes.DeadlineExceeded,
                            $"attempt {args.AttemptNumber + 1} failed ({last.Code}: {last.VenueMessage}) and a retry in {args.RetryDelay.TotalMilliseconds:0} ms "
                            + $"would start after the call's deadline ({Math.Max(0, deadline.Remaining.TotalMilliseconds):0} ms left of {deadline.Budget.TotalSeconds:0.#} s)",
                            last);
                    }

                    return default;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>
    /// Places an order at most once: <paramref name="place"/> is called again only after
    /// <paramref name="query"/> has confirmed that the exchange has no order with the client order id.
    /// A duplicate-id answer after an unknown outcome means our earlier attempt landed: that order is returned.
    /// When attempts run out after an unknown outcome the error stays <see cref="ExchangeErrorKind.OutcomeUnknown"/>.
    /// </summary>
    public static async Task<ExchangeOrder> PlaceOnceAsync(
        ResiliencePipeline pipeline,
        Func<CancellationToken, Task<ExchangeOrder>> place,
        Func<CancellationToken, Task<ExchangeOrder?>> query,
        CancellationToken cancellationToken)
    {
        var uncertain = false;
        try
        {
            return await pipeline.ExecuteAsync(
                async token =>
                {
                    if (uncertain && await query(token) is { } landed)
                    {
                        return landed;
                    }

                    try
                    {
                        return await place(token);
                    }
                    catch (ExchangeException e) when (e.Kind == ExchangeErrorKind.OutcomeUnknown)
                    {
                        uncertain = true;
                        throw;
                    }
                    catch (ExchangeException e) when (uncertain && e.Code == ExchangeErrorCodes.DuplicateClientOrderId)
                    {
                        return await query(token) ?? throw new ExchangeException(
                            e.Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout,
                            "the exchange reports the client order id as taken but does not return the order", e);
                    }
                },
                cancellationToken);
        }
        catch (ExchangeException e) when (uncertain && e.Kind != ExchangeErrorKind.OutcomeUnknown && e.Kind != ExchangeErrorKind.Rejected)
        {
            // The last attempt failed cleanly, but an earlier one may have placed the order.
            throw new ExchangeException(e.Exchange, ExchangeErrorKind.OutcomeUnknown, ExchangeErrorCodes.Timeout,
                "an earlier attempt's outcome is unknown; query the client order id before placing again: " + e.VenueMessage, e);
        }
    }
}
