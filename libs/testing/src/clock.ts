/**
 * Moves `Date` (only) `ms` forward, as if that much time had passed: no timer is faked and nothing sleeps,
 * so servers and drivers keep running. Undo with `jest.useRealTimers()`.
 */
export function moveDateForward(ms: number): void {
  jest.useFakeTimers({
    doNotFake: [
      'nextTick',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
    now: Date.now() + ms,
  });
}
