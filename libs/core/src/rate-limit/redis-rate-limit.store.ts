import type { RedisClient } from '../shared-state/redis-client';
import { isCluster } from '../shared-state/redis-client';
import type { ConsumeResult, RateLimitStore, WindowRequest } from './rate-limit.types';

/**
 * Check-and-count over every window of one request in one atomic step (one round trip). KEYS are the
 * windows' counters; ARGV holds, per window, limit, window length (ms), cost, floor and the floor's time left
 * (ms). A counter that Redis no longer has (flushed, restarted, failed over) while this instance still knows a
 * count for the window starts from that floor with the window's remaining time, instead of from zero. A request
 * is counted only when every window has room; a counter's first count sets its expiry, which is its reset time.
 * Returns { allowed, count1, pttl1, count2, pttl2, ... }.
 */
export const CONSUME_SCRIPT = `
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local base = (i - 1) * 5
  local limit = tonumber(ARGV[base + 1])
  local cost = tonumber(ARGV[base + 3])
  local raw = redis.call('GET', KEYS[i])
  local count
  if raw then
    count = tonumber(raw)
  else
    count = tonumber(ARGV[base + 4])
    local left = tonumber(ARGV[base + 5])
    if count > 0 and left > 0 then redis.call('SET', KEYS[i], count, 'PX', left) else count = 0 end
  end
  counts[i] = count
  if cost > 0 and count + cost > limit then allowed = 0 end
end
local out = { allowed }
for i = 1, n do
  local base = (i - 1) * 5
  local window = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
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

/**
 * Adds what an instance counted on its own while Redis was unreachable to one window's counter: to the
 * count Redis has, or, when Redis lost the counter meanwhile, to the count the instance last knew. One key.
 * ARGV: units counted locally, the count last known from Redis, the window's time left (ms).
 */
export const MERGE_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local count = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3])) end
  return count
end
local count = tonumber(ARGV[1]) + tonumber(ARGV[2])
redis.call('SET', KEYS[1], count, 'PX', tonumber(ARGV[3]))
return count
`;

/**
 * Each instance's heartbeat: its id scored by the time, entries older than ARGV[3] ms dropped, the number
 * of live instances returned. One key (its own hash tag).
 */
export const HEARTBEAT_SCRIPT = `
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 4)
return redis.call('ZCARD', KEYS[1])
`;

/** What this instance still knows of a window: the count to start from if Redis lost it, and its time left. */
export interface WindowFloor {
  count: number;
  remainingMs: number;
}

type ScriptCommand = (...args: (string | number)[]) => Promise<number[]>;
type RedisWithScripts = RedisClient & {
  aeroRateLimitConsume: ScriptCommand;
  aeroRateLimitMerge: (key: string, local: number, known: number, remainingMs: number) => Promise<number>;
  aeroRateLimitHeartbeat: (key: string, now: number, id: string, liveMs: number) => Promise<number>;
};

/** Fixed-window counters in Redis, shared by every instance; each consume is one EVALSHA. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisWithScripts;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    if (!('aeroRateLimitConsume' in redis)) {
      redis.defineCommand('aeroRateLimitConsume', { lua: CONSUME_SCRIPT });
      redis.defineCommand('aeroRateLimitMerge', { lua: MERGE_SCRIPT, numberOfKeys: 1 });
      redis.defineCommand('aeroRateLimitHeartbeat', { lua: HEARTBEAT_SCRIPT, numberOfKeys: 1 });
    }
    this.redis = redis as RedisWithScripts;
  }

  /** `floors[i]`, when given, is where window i starts should Redis no longer have its counter. */
  async consume(windows: WindowRequest[], _now?: number, floors?: (WindowFloor | undefined)[]): Promise<ConsumeResult> {
    const args: (string | number)[] = [windows.length];
    for (const window of windows) args.push(this.prefix + window.key);
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i];
      const floor = floors?.[i];
      args.push(
        window.limit,
        Math.max(1, Math.ceil(window.windowMs)),
        window.cost,
        floor ? Math.max(0, Math.floor(floor.count)) : 0,
        floor ? Math.max(0, Math.floor(floor.remainingMs)) : 0,
      );
    }
    const reply = await this.redis.aeroRateLimitConsume(...args);
    return {
      allowed: reply[0] === 1,
      windows: windows.map((request, i) => ({ request, count: Number(reply[1 + i * 2]), resetMs: Number(reply[2 + i * 2]) })),
    };
  }

  /** Adds `local` units counted without Redis to the window `key` (see MERGE_SCRIPT). */
  merge(key: string, local: number, known: number, remainingMs: number): Promise<number> {
    return this.redis.aeroRateLimitMerge(this.prefix + key, local, known, Math.max(1, Math.floor(remainingMs)));
  }

  /** Announces this instance; resolves to how many instances announced themselves within `liveMs`. */
  heartbeat(instanceId: string, now: number, liveMs: number): Promise<number> {
    return this.redis.aeroRateLimitHeartbeat(`${this.prefix}{instances}`, now, instanceId, liveMs);
  }

  /** Loads the scripts into Redis's cache ahead of the first request. */
  async load(): Promise<void> {
    await this.redis.script('LOAD', CONSUME_SCRIPT);
  }

  /**
   * Resets the windows whose keys start with `keyPrefix` to zero for the rest of their window. Zeroed, not
   * deleted: a missing counter is one Redis lost, which instances restore from what they knew. An empty prefix
   * deletes every key of the deployment prefix (test and benchmark clean-up).
   */
  async reset(keyPrefix: string): Promise<number> {
    const pattern = `${escapeGlob(this.prefix + keyPrefix)}*`;
    // A cluster's keys live on its primaries: each is scanned, and each key changed on its own there (the keys
    // of one scan page may span slots); a single Redis takes a page at once.
    const cluster = isCluster(this.redis);
    const nodes = isCluster(this.redis) ? this.redis.nodes('master') : [this.redis];
    let removed = 0;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length === 0) continue;
        if (keyPrefix === '') {
          if (cluster) for (const key of keys) removed += await this.redis.del(key);
          else removed += await node.del(...keys);
          continue;
        }
        if (cluster) {
          for (const key of keys) if ((await this.redis.set(key, 0, 'KEEPTTL', 'XX')) === 'OK') removed += 1;
          continue;
        }
        const pipeline = node.pipeline();
        for (const key of keys) pipeline.set(key, 0, 'KEEPTTL', 'XX');
        const replies = (await pipeline.exec()) ?? [];
        removed += replies.filter(([error, reply]) => !error && reply === 'OK').length;
      } while (cursor !== '0');
    }
    return removed;
  }
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

