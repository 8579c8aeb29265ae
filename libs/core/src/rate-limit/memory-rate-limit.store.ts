import type { ConsumeResult, RateLimitStore, WindowRequest, WindowState } from './rate-limit.types';

interface Counter {
  count: number;
  resetAt: number;
}

/** Expired counters are dropped when the map grows past this, and at most once per sweep interval. */
const SWEEP_SIZE = 10_000;
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Per-instance fixed-window counters: one number and one reset time per (subject, window), so a busy key
 * costs what an idle one does. Used alone without Redis, and as the fallback while Redis is down.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, Counter>();
  private lastSweep = 0;

  consume(windows: WindowRequest[], now: number): Promise<ConsumeResult> {
    return Promise.resolve(this.consumeSync(windows, now));
  }

  /** The synchronous form (no promise): what the in-memory fast path and the benchmark call. */
  consumeSync(windows: WindowRequest[], now: number): ConsumeResult {
    if (this.counters.size > SWEEP_SIZE && now - this.lastSweep > SWEEP_INTERVAL_MS) this.sweep(now);
    const live: Counter[] = [];
    let allowed = true;
    for (const window of windows) {
      let counter = this.counters.get(window.key);
      if (counter === undefined || counter.resetAt <= now) {
        counter = { count: 0, resetAt: now + window.windowMs };
        if (window.cost > 0) this.counters.set(window.key, counter);
      }
      live.push(counter);
      if (window.cost > 0 && counter.count + window.cost > window.limit) allowed = false;
    }
    const states: WindowState[] = [];
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i];
      const counter = live[i];
      if (allowed && window.cost !== 0) counter.count = Math.max(0, counter.count + window.cost);
      states.push({ request: window, count: counter.count, resetMs: counter.resetAt - now });
    }
    return { allowed, windows: states };
  }

  reset(keyPrefix: string): Promise<number> {
    let removed = 0;
    for (const key of this.counters.keys()) {
      if (key.startsWith(keyPrefix)) {
        this.counters.delete(key);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }

  /** Starts (or lifts) a window at `count`, e.g. a monthly quota at its stored count after a restart. */
  raiseTo(key: string, count: number, windowMs: number, now: number): void {
    if (count <= 0) return;
    const counter = this.counters.get(key);
    if (counter === undefined || counter.resetAt <= now) this.counters.set(key, { count, resetAt: now + windowMs });
    else if (counter.count < count) counter.count = count;
  }

  /** Forgets everything (Redis came back: the shared counters are the truth again). */
  clear(): void {
    this.counters.clear();
  }

  get size(): number {
    return this.counters.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, counter] of this.counters) if (counter.resetAt <= now) this.counters.delete(key);
  }
}
