import type { RedisClient } from '../shared-state/redis-client';
import { isCluster } from '../shared-state/redis-client';
import type { ConsumeResult, RateLimitStore, WindowRequest } from './rate-limit.types';

/**
 * Check-and-count over every window of one request in one atomic step (one round trip). KEYS are the
 * windows' counters; ARGV holds limit, window length (ms) and cost per window. A request is counted only
 * when every window has room; a counter's first count sets its expiry, which is also its reset time.
 * Returns { allowed, count1, pttl1, count2, pttl2, ... }.
 */
export const CONSUME_SCRIPT = `
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local limit = tonumber(ARGV[i * 3 - 2])
  local cost = tonumber(ARGV[i * 3])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = count
  if cost > 0 and count + cost > limit then allowed = 0 end
end
local out = { allowed }
for i = 1, n do
  local window = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3])
  local count = counts[i]
  if allowed == 1 and cost > 0 then
    count = redis.call('INCRBY', KEYS[i], cost)
    if count == cost then redis.call('PEXPIRE', KEYS[i], window) end
  elseif allowed == 1 and cost < 0 and count > 0 then
    count = redis.call('DECRBY', KEYS[i], math.min(-cost, count))
  end
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    if count > 0 then redis.call('PEXPIRE', KEYS[i], window) end
    ttl = window
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out
`;

type ConsumeCommand = (...args: (string | number)[]) => Promise<number[]>;
type RedisWithConsume = RedisClient & { aeroRateLimitConsume: ConsumeCommand };

/** Fixed-window counters in Redis, shared by every instance; each consume is one EVALSHA. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisWithConsume;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!('aeroRateLimitConsume' in redis)) redis.defineCommand('aeroRateLimitConsume', { lua: CONSUME_SCRIPT });
    this.redis = redis as RedisWithConsume;
  }

  async consume(windows: WindowRequest[]): Promise<ConsumeResult> {
    const args: (string | number)[] = [windows.length];
    for (const window of windows) args.push(this.prefix + window.key);
    for (const window of windows) args.push(window.limit, Math.max(1, Math.ceil(window.windowMs)), window.cost);
    const reply = await this.redis.aeroRateLimitConsume(...args);
    return {
      allowed: reply[0] === 1,
      windows: windows.map((request, i) => ({ request, count: Number(reply[1 + i * 2]), resetMs: Number(reply[2 + i * 2]) })),
    };
  }

  /** Loads the script into Redis's cache ahead of the first request. */
  async load(): Promise<void> {
    await this.redis.script('LOAD', CONSUME_SCRIPT);
  }

  async reset(keyPrefix: string): Promise<number> {
    const pattern = `${escapeGlob(this.prefix + keyPrefix)}*`;
    // A cluster's keys live on its primaries: each is scanned, and each key deleted on its own (the keys
    // of one scan page may span slots).
    const nodes = isCluster(this.redis) ? this.redis.nodes('master') : [this.redis];
    let removed = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length === 0) continue;
        if (isCluster(this.redis)) for (const key of keys) removed += await this.redis.del(key);
        else removed += await node.del(...keys);
      } while (cursor !== '0');
    }
    return removed;
  }
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
