import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';

/**
 * A retry budget: retries may add at most `ratio` extra load on top of first attempts (plus a small
 * floor per second), so a sick database is not hammered by every caller retrying three times at once.
 * Tokens: each first attempt deposits `ratio`, each retry spends one, time adds `floorPerSecond`.
 */
export class RetryBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratio = 0.2,
    private readonly floorPerSecond = 2,
    private readonly max = 20,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = max;
    this.last = now();
  }

  recordAttempt(): void {
    this.tokens = Math.min(this.max, this.tokens + this.ratio);
  }

  /** Whether one more retry is allowed now; spends a token when it is. */
  tryRetry(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.max, this.tokens + ((now - this.last) / 1000) * this.floorPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Counters read by /metrics at scrape time (no work per query beyond an increment). */
export interface DatabaseResilienceStats {
  state: BreakerStateName;
  transitions: Record<BreakerStateName, number>;
  retries: number;
  retryBudgetExhausted: number;
  rejectedByBreaker: number;
  /** Units of work re-run at once on a fresh connection after their pooled connection was lost. */
  reconnects: number;
  /**
   * How those re-runs ended: `recovered` when the fresh connection answered (the unit committed, or failed
   * for a reason of its own such as a full session), `failed` when it was answered 503 all the same.
   */
  reconnectOutcomes: { recovered: number; failed: number };
}

/**
 * The circuit breaker around the database (cockatiel): `threshold` connection-level failures in a row
 * open it; while open every call fails at once with `DatabaseCircuitOpenError` (503 without waiting on the
 * pool); after `halfOpenAfterMs` one probe goes through and closes it when the database answers. Other
 * errors (constraint violations, deadlocks) neither open nor close it.
 */
export class DatabaseBreaker {
  readonly stats: DatabaseResilienceStats = {
    state: 'closed',
    transitions: { closed: 0, open: 0, 'half-open': 0, isolated: 0 },
    retries: 0,
    retryBudgetExhausted: 0,
    rejectedByBreaker: 0,
    reconnects: 0,
    reconnectOutcomes: { recovered: 0, failed: 0 },
  };
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    isConnectionFailure: (error: unknown) => boolean,
    threshold: number,
    private readonly halfOpenAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    const counted = (error: unknown) => !(error instanceof NotCounted) && isConnectionFailure(error);
    this.policy = circuitBreaker(handleWhen(counted), {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(threshold),
    });
    this.policy.onStateChange((state) => {
      const name = STATE_NAMES[state];
      this.stats.state = name;
      this.stats.transitions[name]++;
      if (name === 'open') this.openedAt = this.now();
    });
  }

  get state(): BreakerStateName {
    return STATE_NAMES[this.policy.state];
  }

  /** Seconds until the breaker lets a probe through (at least 1). */
  retryAfterSeconds(): number {
    const left = this.openedAt + this.halfOpenAfterMs - this.now();
    return Math.max(1, Math.ceil(left / 1000));
  }

  /**
   * Runs `work` through the breaker. A failure `notCounted` accepts (a pooled connection that was dropped, on
   * a first attempt) neither counts towards opening the breaker nor as a success that resets the count: the
   * caller re-runs it on a fresh connection, and that attempt's failure counts. The probe of a half-open
   * breaker counts whatever it meets.
   */
  async execute<T>(work: () => Promise<T>, notCounted?: (error: unknown) => boolean): Promise<T> {
    // Half-open: one probe is under way; everyone else is refused at once rather than queued behind it.
    if (this.policy.state === CircuitState.HalfOpen) throw this.rejected();
    const probe = this.policy.state !== CircuitState.Closed;
    try {
      return await this.policy.execute(async () => {
        try {
          return await work();
        } catch (error) {
          if (!probe && notCounted?.(error)) throw new NotCounted(error);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.rejected();
      if (error instanceof NotCounted) throw error.error;
      throw error;
    }
  }

  private rejected(): DatabaseCircuitOpenError {
    this.stats.rejectedByBreaker++;
    return new DatabaseCircuitOpenError(this.retryAfterSeconds());
  }
}

/** Carries a failure past the breaker's classifier without it being counted. */
class NotCounted {
  constructor(readonly error: unknown) {}
}

/** Thrown instead of calling the database while the breaker is open or probing. */
export class DatabaseCircuitOpenError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The database circuit breaker is open.');
    this.name = 'DatabaseCircuitOpenError';
  }
}
