import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Inbound ids are kept only when short and made of safe characters (no log or header injection). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

type WithId = IncomingMessage & { id?: unknown };

/**
 * The request id: a sane inbound `X-Request-Id` is kept, anything else is replaced by a UUID.
 * Idempotent: the logger and the request-id middleware both call it and agree.
 */
export function ensureRequestId(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as WithId).id;
  if (typeof existing === 'string') return existing;
  const id = chooseRequestId(req);
  (req as WithId).id = id;
  if (!res.headersSent) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** A sane inbound `X-Request-Id`, else a fresh UUID (for adapters that assign the id themselves). */
export function chooseRequestId(req: IncomingMessage): string {
  const inbound = req.headers['x-request-id'];
  return typeof inbound === 'string' && SANE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
}

export function requestIdOf(req: IncomingMessage): string | undefined {
  const id = (req as WithId).id;
  return typeof id === 'string' ? id : undefined;
}
