import { AppError, CoreProblems } from '../errors';
import { IntervalJob } from './interval-job';

function job(run: () => Promise<unknown>) {
  const logger = { warn: jest.fn(), error: jest.fn() };
  return { logger, job: new IntervalJob({ name: 'test sweep', intervalMs: 1000, logger, run }) };
}

/** A run that stays in progress until the test lets it end. */
function pending() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish };
}

describe('IntervalJob', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once per interval after start, not at start, and never keeps the process alive', async () => {
    const run = jest.fn(() => Promise.resolve());
    const { job: sweep } = job(run);
    const setIntervalSpy = jest.spyOn(global, 'setInterval');
    sweep.start();
    expect(run).not.toHaveBeenCalled();
    expect(setIntervalSpy.mock.results[0]?.value).toMatchObject({ hasRef: expect.any(Function) });
    expect((setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout).hasRef()).toBe(false);
    setIntervalSpy.mockRestore();
    await jest.advanceTimersByTimeAsync(3000);
    expect(run).toHaveBeenCalledTimes(3);
    await sweep.stop();
  });

  it('skips the ticks that come while the last run is still going, then runs again', async () => {
    const slow = pending();
    const run = jest.fn().mockReturnValueOnce(slow.done).mockResolvedValue(undefined);
    const { job: sweep } = job(run);
    sweep.start();
    await jest.advanceTimersByTimeAsync(3000);
    expect(run).toHaveBeenCalledTimes(1);
    slow.finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(2);
    await sweep.stop();
  });

  it('stop waits for the run in progress and no tick runs after it', async () => {
    const slow = pending();
    const run = jest.fn().mockReturnValueOnce(slow.done).mockResolvedValue(undefined);
    const { job: sweep } = job(run);
    sweep.start();
    await jest.advanceTimersByTimeAsync(1000);
    let stopped = false;
    const stopping = sweep.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    slow.finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('logs an AppError as a warning, anything else as an error, and tries again next tick', async () => {
    const run = jest
      .fn()
      .mockRejectedValueOnce(new AppError(CoreProblems.databaseUnavailable, 'database unavailable'))
      .mockRejectedValueOnce(new Error('boom'))
      .mockImplementationOnce(() => {
        throw new TypeError('thrown before any await');
      })
      .mockResolvedValue(undefined);
    const { job: sweep, logger } = job(run);
    sweep.start();
    await jest.advanceTimersByTimeAsync(4000);
    expect(logger.warn.mock.calls).toEqual([['test sweep skipped: database unavailable']]);
    expect(logger.error.mock.calls).toEqual([
      ['test sweep failed: boom'],
      ['test sweep failed: thrown before any await'],
    ]);
    expect(run).toHaveBeenCalledTimes(4);
    await sweep.stop();
  });
});
