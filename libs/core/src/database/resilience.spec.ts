import { DatabaseBreaker, DatabaseCircuitOpenError, RetryBudget } from './resilience';

const down = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const isDown = (error: unknown): boolean => (error as { code?: string }).code === 'ECONNREFUSED';

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise;
  } catch (error) {
    return error;
  }
}

describe('DatabaseBreaker', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T03:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('opens after the threshold of consecutive connection failures, then refuses at once with Retry-After', async () => {
    const breaker = new DatabaseBreaker(isDown, 3, 5000);
    const calls = jest.fn(() => Promise.reject(down()));
    for (let i = 0; i < 3; i++)
      expect(await outcome(breaker.execute(calls))).toMatchObject({ code: 'ECONNREFUSED' });
    expect(breaker.state).toBe('open');
    const refused = await outcome(breaker.execute(calls));
    expect(refused).toBeInstanceOf(DatabaseCircuitOpenError);
    expect((refused as DatabaseCircuitOpenError).retryAfterSeconds).toBe(5);
    expect(calls).toHaveBeenCalledTimes(3); // the open breaker did not touch the database
    expect(breaker.stats.transitions.open).toBe(1);
  });

  it('does not count other errors (constraint violations) nor let them reset the count', async () => {
    const breaker = new DatabaseBreaker(isDown, 2, 5000);
    await outcome(breaker.execute(() => Promise.reject(down())));
    await outcome(breaker.execute(() => Promise.reject(Object.assign(new Error('dup'), { code: '23505' }))));
    expect(breaker.state).toBe('closed');
    await outcome(breaker.execute(() => Promise.reject(down())));
    expect(breaker.state).toBe('open');
  });

  it('lets one probe through after the half-open delay and closes when the database answers', async () => {
    const breaker = new DatabaseBreaker(isDown, 1, 5000);
    await outcome(breaker.execute(() => Promise.reject(down())));
    expect(breaker.state).toBe('open');
    jest.setSystemTime(Date.now() + 5001);
    let answer!: (value: string) => void;
    const probe = breaker.execute(() => new Promise<string>((resolve) => (answer = resolve)));
    expect(breaker.state).toBe('half-open');
    // While the probe is out, others are refused rather than queued behind it.
    expect(await outcome(breaker.execute(() => Promise.resolve('x')))).toBeInstanceOf(
      DatabaseCircuitOpenError,
    );
    answer('pong');
    expect(await probe).toBe('pong');
    expect(breaker.state).toBe('closed');
    expect(await breaker.execute(() => Promise.resolve('served'))).toBe('served');
    expect(breaker.stats.transitions).toMatchObject({ open: 1, 'half-open': 1, closed: 1 });
  });

  it('opens again when the probe fails', async () => {
    const breaker = new DatabaseBreaker(isDown, 1, 5000);
    await outcome(breaker.execute(() => Promise.reject(down())));
    jest.setSystemTime(Date.now() + 5001);
    await outcome(breaker.execute(() => Promise.reject(down())));
    expect(breaker.state).toBe('open');
    expect(breaker.stats.transitions.open).toBe(2);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to its reserve, then refuses until first attempts or time refill it', () => {
    let now = 0;
    const budget = new RetryBudget(0.5, 1, 3, () => now);
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    budget.recordAttempt();
    budget.recordAttempt();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    now += 1000;
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('DatabaseBreaker: failures the caller marks as not counted', () => {
  it('neither counts them nor lets them reset the count of real failures', async () => {
    const dropped = (): Error =>
      Object.assign(new Error('terminated'), { code: 'ECONNREFUSED', dropped: true });
    const notCounted = (error: unknown) => (error as { dropped?: boolean }).dropped === true;
    const breaker = new DatabaseBreaker(isDown, 2, 5000);
    for (let i = 0; i < 5; i++) {
      expect(await outcome(breaker.execute(() => Promise.reject(dropped()), notCounted))).toMatchObject({
        dropped: true,
      });
    }
    expect(breaker.state).toBe('closed');
    await outcome(breaker.execute(() => Promise.reject(down())));
    await outcome(breaker.execute(() => Promise.reject(dropped()), notCounted));
    expect(breaker.state).toBe('closed');
    await outcome(breaker.execute(() => Promise.reject(down())));
    expect(breaker.state).toBe('open');
  });
});
