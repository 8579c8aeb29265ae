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
  };
  private readonly policy: CircuitBreakerPolicy;
  private openedAt = 0;

  constructor(
    isConnectionFailure: (error: unknown) => boolean,
    threshold: number,
    private readonly halfOpenAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.policy = circuitBreaker(handleWhen(isConnectionFailure), {
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

  async execute<T>(work: () => Promise<T>): Promise<T> {
    // Half-open: one probe is under way; everyone else is refused at once rather than queued behind it.
    if (this.policy.state === CircuitState.HalfOpen) throw this.rejected();
    try {
      return await this.policy.execute(() => work());
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.rejected();
      throw error;
    }
  }

  private rejected(): DatabaseCircuitOpenError {
    this.stats.rejectedByBreaker++;
    return new DatabaseCircuitOpenError(this.retryAfterSeconds());
  }
}

/** Thrown instead of calling the database while the breaker is open or probing. */
export class DatabaseCircuitOpenError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The database circuit breaker is open.');
    this.name = 'DatabaseCircuitOpenError';
  }
}
