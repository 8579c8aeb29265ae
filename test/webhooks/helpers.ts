import { TransactionService } from '@aero/core';
import type { EventResponseDto, EventType } from '@aero/events';
import { EventsService, WebhookDispatcher } from '@aero/events';
import type { TestApp } from '@aero/testing';
import { createApiKey, createTestApp } from '@aero/testing';
import { TestReceiver } from './receiver';

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

export interface WebhookApp {
  t: TestApp;
  receiver: TestReceiver;
  admin: Record<string, string>;
}

/**
 * A webhook suite's fixture: an app with WEBHOOK_TEST_ENV (and `env`), a receiver on 127.0.0.1, and an
 * admin-scoped API key, which does not expire when a test moves the clock days forward.
 */
export async function startWebhookApp(env: Record<string, string> = {}): Promise<WebhookApp> {
  const t = await createTestApp({ env: { ...WEBHOOK_TEST_ENV, ...env } });
  let receiver: TestReceiver | undefined;
  try {
    receiver = await TestReceiver.start();
    return { t, receiver, admin: (await createApiKey(t, { scopes: ['admin'] })).authHeader };
  } catch (error) {
    // The caller never gets them to close.
    await receiver?.close();
    await t.close();
    throw error;
  }
}

/** Ends what startWebhookApp started, and the fake clock a test may have left on. */
export async function stopWebhookApp(fixture: Partial<WebhookApp>): Promise<void> {
  jest.useRealTimers();
  await fixture.receiver?.close();
  await fixture.t?.close();
}
