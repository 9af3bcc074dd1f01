/**
 * Rate limiting, the public face: the instance's RateLimiter, the CounterSync it shares with
 * usage metering, and how a refusal reads to the user.
 */
import type { Source } from '../accounts/model.ts';
import { KindlingError } from '../errors.ts';
import type { RateDecision } from './limiter.ts';

export { CounterSync, type CounterParticipant } from './counter-sync.ts';
export { RateLimiter, type RateDecision } from './limiter.ts';

/** The 429 for a refused request, naming the limit that was hit. */
export function rateLimited(decision: RateDecision, source: Source): KindlingError {
  const wait = `retry in ${decision.retryAfterSeconds} s`;
  if (decision.refusedBy === 'account') {
    const { limit, burst } = decision.account;
    return new KindlingError(
      429,
      'rate_limited',
      `This account is over its plan's rate limit of ${limit} events/s (bursts up to ${burst}); ${wait}.`,
      { limit: 'account' },
    );
  }
  const { limit, burst } = decision.source;
  return new KindlingError(
    429,
    'rate_limited',
    `Source "${source.name}" is over its rate limit of ${limit} events/s (bursts up to ${burst}); ${wait}.`,
    { limit: 'source' },
  );
}

/** The response headers of a checked request (Logflare's names). */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'x-rate-limit-source_limit': String(decision.source.limit),
    'x-rate-limit-source_remaining': String(decision.source.remaining),
    'x-rate-limit-user_limit': String(decision.account.limit),
    'x-rate-limit-user_remaining': String(decision.account.remaining),
  };
}
