import type { Request } from 'express';

/** The matched route template (`/v1/bookings/:id`), or `unmatched`; never the raw path with ids in it. */
export function routeTemplate(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl ?? ''}${route.path}`;
  return 'unmatched';
}
