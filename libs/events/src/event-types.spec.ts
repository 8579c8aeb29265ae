import { actorFromTag, EVENT_RESOURCES, EVENT_TYPES, isEventType } from './event-types';
import { eventSchemaName } from './events-openapi';

describe('event types', () => {
  it('reads the audit tags features store as actors, never trusting an unknown kind', () => {
    expect(actorFromTag('user:6a1f0c1e-3f4b-4d9c-9a43-6c2f1b7e8d10')).toEqual({
      kind: 'user',
      id: '6a1f0c1e-3f4b-4d9c-9a43-6c2f1b7e8d10',
    });
    expect(actorFromTag('apiKey:k1')).toEqual({ kind: 'apiKey', id: 'k1' });
    expect(actorFromTag('cli')).toEqual({ kind: 'system', id: 'cli' });
    expect(actorFromTag('admin:x')).toEqual({ kind: 'system', id: 'admin:x' });
    expect(actorFromTag('user:')).toEqual({ kind: 'system', id: 'user:' });
  });

  it('names one OpenAPI schema per type, all distinct', () => {
    expect(eventSchemaName('booking.checked_in')).toBe('EventBookingCheckedIn');
    expect(eventSchemaName('api_key.created')).toBe('EventApiKeyCreated');
    expect(new Set(EVENT_TYPES.map(eventSchemaName)).size).toBe(EVENT_TYPES.length);
  });

  it('describes every type, and marks only API-key and user events admin-only', () => {
    expect(Object.keys(EVENT_RESOURCES).sort()).toEqual([...EVENT_TYPES].sort());
    const adminOnly = EVENT_TYPES.filter((type) => EVENT_RESOURCES[type].adminOnly);
    expect(adminOnly).toEqual(['api_key.created', 'api_key.revoked', 'api_key.rotated', 'user.disabled']);
    expect(isEventType('booking.created')).toBe(true);
    expect(isEventType('booking.exploded')).toBe(false);
  });
});
