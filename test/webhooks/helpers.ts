import { TransactionService } from '@aero/core';
import type { EventResponseDto, EventType } from '@aero/events';
import { EventsService, WebhookDispatcher } from '@aero/events';
import type { TestApp } from '@aero/testing';

/** Records one event the way a feature's write does: inside a transaction of its own. */
export function emit(t: TestApp, type: EventType, venueId: string | null = null, data: object = { id: 'r1' }): Promise<EventResponseDto> {
  const tx = t.app.get(TransactionService);
  const events = t.app.get(EventsService);
  return tx.run(() => events.record(type, { venueId, actor: { kind: 'system', id: 'test' }, data: data as never }));
}

/** One dispatcher round of this instance, and every attempt it started recorded. */
export async function dispatch(t: TestApp): Promise<void> {
  const dispatcher = t.app.get(WebhookDispatcher);
  await dispatcher.runOnce();
  await dispatcher.idle();
}

/** Rounds until `done()` holds (bounded), for conditions that take more than one round (fan-out, then send). */
export async function dispatchUntil(t: TestApp, done: () => boolean, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) await dispatch(t);
  if (!done()) throw new Error(`condition not reached after ${rounds} dispatcher rounds`);
}

/** Settings for webhook suites: the timer off (rounds are driven by the test), loopback receivers allowed. */
export const WEBHOOK_TEST_ENV = {
  WEBHOOKS_DISPATCH_ENABLED: 'false',
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOKS_TIMEOUT_MS: '400',
};
