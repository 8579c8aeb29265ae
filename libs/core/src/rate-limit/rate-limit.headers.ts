import type { WindowState } from './rate-limit.types';

/** One policy as the IETF httpapi RateLimit draft writes it in `RateLimit-Policy`: `"burst";q=100;w=60`. */
export function formatPolicy(name: string, quota: number, windowSeconds: number): string {
  return `${sfString(name)};q=${quota};w=${windowSeconds}`;
}

/** The current state of one policy in `RateLimit`: `"burst";r=42;t=17`. */
export function formatLimit(name: string, remaining: number, resetSeconds: number): string {
  return `${sfString(name)};r=${remaining};t=${resetSeconds}`;
}

/** A structured-field string (RFC 9651 §3.3.3): quoted, with `"` and `\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function windowSeconds(state: WindowState): number {
  return Math.round(state.request.policyWindowSeconds ?? state.request.windowMs / 1000);
}

export function remainingOf(state: WindowState): number {
  return Math.max(0, state.request.limit - state.count);
}

/** Whole seconds until the window resets, at least 1 while it is running. */
export function resetSecondsOf(state: WindowState): number {
  return Math.max(1, Math.ceil(state.resetMs / 1000));
}

/**
 * The window closest to running out: the smallest share left (a refused window first), then the one that
 * resets last.
 */
export function nearestExhaustion(states: WindowState[], refused: (state: WindowState) => boolean = () => false): WindowState {
  let best = states[0];
  let bestShare = Infinity;
  for (const state of states) {
    const share = refused(state) ? -1 : remainingOf(state) / state.request.limit;
    if (share < bestShare || (share === bestShare && state.resetMs > best.resetMs)) {
      best = state;
      bestShare = share;
    }
  }
  return best;
}

/** Every header a limited response carries: the draft's pair and the older `X-RateLimit-*` trio. */
export function rateLimitHeaders(states: WindowState[], nearest: WindowState): Record<string, string> {
  const remaining = remainingOf(nearest);
  const reset = resetSecondsOf(nearest);
  return {
    'RateLimit-Policy': states.map((s) => formatPolicy(s.request.policy, s.request.limit, windowSeconds(s))).join(', '),
    RateLimit: formatLimit(nearest.request.policy, remaining, reset),
    'X-RateLimit-Limit': String(nearest.request.limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(reset),
  };
}

/** Names of the headers above plus Retry-After, for CORS `exposedHeaders`. */
export const RATE_LIMIT_HEADER_NAMES = [
  'RateLimit-Policy',
  'RateLimit',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
] as const;
