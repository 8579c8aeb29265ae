import { BlockList, isIP } from 'node:net';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';

/**
 * Addresses a webhook may never reach unless WEBHOOKS_ALLOW_PRIVATE_TARGETS=true: loopback, private,
 * carrier-grade NAT, link-local (169.254.169.254, the cloud metadata service, is in it), unique-local
 * (fd00:ec2::254 too), multicast, reserved and "this network" ranges, for IPv4 and IPv6.
 */
const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** Whether an IP address (v4, v6, or v4-mapped v6) is one a webhook must not reach. */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').split('%')[0];
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
  // ::ffff:a.b.c.d written in hex (::ffff:7f00:1)
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex) {
    const high = parseInt(mappedHex[1], 16);
    const low = parseInt(mappedHex[2], 16);
    return BLOCKED.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return BLOCKED.check(bare, 'ipv6');
}

/** The error a refused connection fails with (code EWEBHOOKTARGET), naming the address, never a secret. */
export class BlockedTargetError extends Error {
  readonly code = 'EWEBHOOKTARGET';

  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, a loopback, private, link-local or reserved address`);
    this.name = 'BlockedTargetError';
  }
}

export type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** A `dns.lookup`-shaped function, as the HTTP agent's `lookup` option takes it. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export const systemLookup: LookupFunction = (hostname, options, callback) =>
  dnsLookup(hostname, options, callback as (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void);

/**
 * Wraps a lookup so that every address it answers is checked before the socket connects to it: the address
 * checked is the address connected to, so a name that resolves to a public address at creation and to a
 * private one later (DNS rebinding) is still refused. Handles both `all: true` (Node's happy-eyeballs path)
 * and the single-address form.
 */
export function guardedLookup(inner: LookupFunction, allowPrivate: boolean): LookupFunction {
  if (allowPrivate) return inner;
  return (hostname, options, callback) => {
    inner(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const blocked = addresses.find((a) => isBlockedAddress(a));
      if (blocked !== undefined || addresses.length === 0) {
        return callback(new BlockedTargetError(hostname, blocked ?? 'no address'), Array.isArray(address) ? [] : '', family);
      }
      callback(null, address, family);
    });
  };
}

export interface WebhookUrlRules {
  /** Production: https only. */
  requireHttps: boolean;
  allowPrivate: boolean;
}

/**
 * Why a URL may not be a webhook target, or null when it may. Literal addresses and `localhost` are
 * refused here, at creation; names are checked again at every connect (guardedLookup).
 */
export function webhookUrlProblem(raw: string, rules: WebhookUrlRules): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https:// URL';
  if (rules.requireHttps && url.protocol !== 'https:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry credentials (user:password@)';
  if (url.hash) return 'must not have a #fragment';
  if (raw.length > 2000) return 'must be at most 2000 characters';
  if (rules.allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isBlockedAddress(host) ? 'must not point at a loopback, private, link-local or reserved address' : null;
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (lower === 'localhost' || lower.endsWith('.localhost') || lower.endsWith('.internal') || lower.endsWith('.local')) {
    return 'must not point at a local or internal host name';
  }
  if (!lower.includes('.')) return 'must be a fully qualified host name';
  return null;
}
