import { TransactionService } from '@aero/core';
import { EventsService } from '@aero/events';
import type { TestApp } from '@aero/testing';
import { createSession, createTestApp, createVenue } from '@aero/testing';

const system = { kind: 'system' as const, id: 'test' };

describe('events outbox (EventsService)', () => {
  let t: TestApp;
  let events: EventsService;
  let tx: TransactionService;

  beforeAll(async () => {
    t = await createTestApp();
    events = t.app.get(EventsService);
    tx = t.app.get(TransactionService);
  });
  afterAll(() => t.close());

  it('refuses to record outside a transaction, so no event can outlive a rollback', async () => {
    const venue = await createVenue(t);
    await expect(events.record('venue.updated', { actor: system, data: venue })).rejects.toThrow(/outside a transaction/);
  });

  it('appends in the caller transaction and lists in feed order with growing positions', async () => {
    const venue = await createVenue(t);
    const session = await createSession(t, { venueId: venue.id });
    const start = (await events.listAfter(0, 1000)).at(-1)?.position ?? 0;
    const a = await tx.run(() => events.record('venue.updated', { venueId: venue.id, actor: system, data: venue }));
    const b = await tx.run(() => events.record('session.created', { actor: { kind: 'user', id: 'u1' }, data: session }));
    const listed = await events.listAfter(start, 100);
    expect(listed.map((e) => e.event.id)).toEqual([a.id, b.id]);
    expect(a.id).toMatch(/^evt_[A-Za-z0-9_-]{22}$/);
    expect(listed[1].position).toBeGreaterThan(listed[0].position);
    expect(listed[1].event).toEqual({ ...b, venueId: null, data: session });
    expect(listed[1].event.actor).toEqual({ kind: 'user', id: 'u1' });
  });

  it('leaves no event when the transaction rolls back after the insert', async () => {
    const venue = await createVenue(t);
    const start = (await events.listAfter(0, 1000)).at(-1)?.position ?? 0;
    await expect(
      tx.run(async () => {
        await events.record('venue.updated', { actor: system, data: venue });
        throw new Error('injected failure after the outbox insert');
      }),
    ).rejects.toThrow('injected');
    expect(await events.listAfter(start, 100)).toEqual([]);
  });
});
