// The hottest statements, rendered by `npm run sql:snapshot` into sql/<dialect>/hot-queries.sql by running
// the real repository methods on a recording data source (libs/core/src/database/sql-snapshot.ts). Entity
// column types are chosen from DB_TYPE when the entity files load, so the caller sets DB_TYPE and loads this
// module afresh for each dialect. Add a statement here when it becomes hot; review its SQL Server form.
/* eslint-disable @typescript-eslint/no-require-imports */
import type { DbType } from '../libs/core/src/config/env.dto';
import type { HotQuery } from '../libs/core/src/database/sql-snapshot';

const SESSION_ID = '5e55a0e1-0000-4000-8000-000000000001';
const VENUE_ID = '0e4e0e00-0000-4000-8000-000000000002';
const AFTER_ID = 'a17e4000-0000-4000-8000-000000000003';
const NOW = new Date('2027-04-01T10:00:00.003Z');
const MEMBER_ID = 'e3be5000-0000-4000-8000-000000000005';
const QUOTA_KEY = '{key:a17e4000-0000-4000-8000-000000000004}:quota:2027-04';

export async function renderHotQueries(dialect: DbType): Promise<HotQuery[]> {
  const { createRecordingDataSource } = require('../libs/core/src/database/sql-snapshot');
  const { BookingsRepository } = require('../libs/bookings/src/bookings.repository');
  const { UsersRepository } = require('../libs/auth/src/users/users.repository');
  const { ApiKeysRepository } = require('../libs/api-keys/src/api-keys.repository');
  const { MembersRepository } = require('../libs/members/src/members.repository');
  const { EventsRepository } = require('../libs/events/src/events.repository');
  const { WebhooksRepository } = require('../libs/events/src/webhooks/webhooks.repository');
  const entities = [
    require('../libs/bookings/src/session.entity').SessionEntity,
    require('../libs/bookings/src/venue.entity').VenueEntity,
    require('../libs/bookings/src/hold.entity').HoldEntity,
    require('../libs/bookings/src/booking.entity').BookingEntity,
    require('../libs/bookings/src/session-allowance.entity').SessionAllowanceEntity,
    require('../libs/auth/src/users/user.entity').UserEntity,
    require('../libs/auth/src/sessions/refresh-token.entity').RefreshTokenEntity,
    require('../libs/api-keys/src/api-key.entity').ApiKeyEntity,
    require('../libs/members/src/member.entity').MemberEntity,
    require('../libs/members/src/waiver.entity').WaiverEntity,
    require('../libs/members/src/member-venue.entity').MemberVenueEntity,
    require('../libs/events/src/event.entity').EventEntity,
    require('../libs/events/src/event.entity').EventSequencerEntity,
    require('../libs/events/src/webhooks/webhook-endpoint.entity').WebhookEndpointEntity,
    require('../libs/events/src/webhooks/webhook-endpoint.entity').WebhookDeliveryEntity,
    require('../libs/events/src/webhooks/webhook-endpoint.entity').WebhookAttemptEntity,
  ];
  const { dataSource, take } = await createRecordingDataSource(dialect, entities);
  const { dialectErrors } = require('../libs/core/src/database/dialect');
  const tx = { manager: dataSource.manager, errors: dialectErrors(dialect) };
  const bookings = new BookingsRepository(tx);
  // Listings read through the replica seam; here it is the same recording connection.
  const users = new UsersRepository(tx, tx);
  const apiKeys = new ApiKeysRepository(tx, tx);
  const members = new MembersRepository(tx);
  const { QuotaLedger } = require('../libs/core/src/rate-limit/quota-ledger');
  // The ledger writes only through an initialized data source; the recording one never connects.
  const ready = new Proxy(dataSource, { get: (target, prop) => (prop === 'isInitialized' ? true : Reflect.get(target, prop)) });
  const quotas = new QuotaLedger(() => ready, dialectErrors(dialect));
  const events = new EventsRepository(tx, tx);
  const webhooks = new WebhooksRepository(tx, tx);
  const day = { from: new Date('2027-04-01T04:00:00.000Z'), to: new Date('2027-04-02T04:00:00.000Z') };

  const queries: [string, () => Promise<unknown>][] = [
    [
      'capacity: take places, one conditional UPDATE (BookingsRepository.takePlaces)',
      () => bookings.takePlaces(SESSION_ID, 2, NOW),
    ],
    [
      'capacity: give places back (BookingsRepository.releasePlaces)',
      () => bookings.releasePlaces(SESSION_ID, 2, NOW),
    ],
    [
      'booking: the session, its venue and whether a venue-restricted caller may see the member, one read (BookingsRepository.findSessionForBooking)',
      () => bookings.findSessionForBooking(SESSION_ID, members.visibleCondition(MEMBER_ID, [VENUE_ID], undefined)),
    ],
    [
      'booking: the same read for a member user, who sees themself and their dependants (BookingsRepository.findSessionForBooking)',
      () => bookings.findSessionForBooking(SESSION_ID, members.visibleCondition(MEMBER_ID, undefined, AFTER_ID)),
    ],
    [
      'per-member cap: the first booking inserts its row counted; a row already there takes the conditional UPDATE (BookingsRepository.takeAllowance)',
      () => bookings.takeAllowance(SESSION_ID, `member:${MEMBER_ID}`, 2, { maxActive: 3 }),
    ],
    [
      'availability: a day of sessions at a venue with their counters and held places, first page (BookingsRepository.listAvailability)',
      () =>
        bookings.listAvailability(
          { venueId: VENUE_ID, ...day, includeCancelled: false, limit: 20 },
          NOW,
        ),
    ],
    [
      'availability: the next keyset page (BookingsRepository.listAvailability)',
      () =>
        bookings.listAvailability(
          {
            venueId: VENUE_ID,
            ...day,
            includeCancelled: false,
            after: { startsAt: NOW, id: AFTER_ID },
            limit: 20,
          },
          NOW,
        ),
    ],
    [
      'one session: its held places (BookingsRepository.holdTotals, GET /v1/sessions/{id})',
      () => bookings.holdTotals([SESSION_ID, AFTER_ID], NOW),
    ],
    [
      'bookings list: a keyset page by session start (BookingsRepository.listBookings)',
      () =>
        bookings.listBookings({ venueIds: [VENUE_ID], after: { startsAt: NOW, id: AFTER_ID }, limit: 20 }),
    ],
    [
      'bookings list: the next page of a window, the cursor inside it (BookingsRepository.listBookings)',
      () =>
        bookings.listBookings({ venueId: VENUE_ID, ...day, after: { startsAt: NOW, id: AFTER_ID }, limit: 20 }),
    ],
    [
      'members list: a keyset page by sort key (MembersRepository.list)',
      () => members.list({ after: { sortKey: 'lima ana', id: AFTER_ID }, limit: 20 }),
    ],
    [
      'members search: first name, "last first" or email prefix, three index ranges (MembersRepository.list)',
      () => members.list({ search: 'sin', limit: 20 }),
    ],
    [
      'members search: the next keyset page, as a venue-restricted caller (MembersRepository.list)',
      () =>
        members.list({
          search: 'o_b',
          venueIds: [VENUE_ID],
          after: { sortKey: 'o_brien ana', id: AFTER_ID },
          limit: 20,
        }),
    ],
    [
      'users list: a keyset page by creation time (UsersRepository.listPage)',
      () => users.listPage(20, { createdAt: NOW, id: AFTER_ID }),
    ],
    [
      'API keys list: a keyset page by creation time (ApiKeysRepository.listPage)',
      () => apiKeys.listPage(20, { createdAt: NOW, id: AFTER_ID }),
    ],
    ['API key by id, on a cache miss (ApiKeysRepository.findById)', () => apiKeys.findById(AFTER_ID)],
    [
      'monthly quota: an instance meets a key for the first time (QuotaLedger.load)',
      () => quotas.load([QUOTA_KEY], NOW.getTime()),
    ],
    [
      'monthly quota: the batched write of what was spent, then the totals read back (QuotaLedger.flush)',
      () => {
        quotas.add(QUOTA_KEY, '2027-04', 3, NOW.getTime());
        return quotas.flush(NOW.getTime());
      },
    ],
    [
      'outbox: the event of a write, one INSERT in its transaction (EventsRepository.insert)',
      () =>
        events.insert({
          id: 'evt_AAAAAAAAAAAAAAAAAAAAAA',
          type: 'booking.created',
          occurredAt: NOW,
          venueId: VENUE_ID,
          actorKind: 'apiKey',
          actorId: AFTER_ID,
          data: '{"id":"x"}',
        }),
    ],
    ['sequencer: anything committed but not in the feed yet? (EventsRepository.unstampedRange)', () => events.unstampedRange()],
    ['sequencer: stamp committed rows above the last position (EventsRepository.stamp)', () => events.stamp({ min: 41, max: 57 }, 1000)],
    ['sequencer: keep the last position (EventsRepository.saveLastPosition)', () => events.saveLastPosition(1057)],
    [
      'feed: a venue-restricted page after a position, some types (EventsRepository.listAfter)',
      () => events.listAfter(1000, 21, { types: ['booking.created', 'booking.cancelled'], venueIds: [VENUE_ID] }),
    ],
    ['retention: one batch of old events (EventsRepository.purgeBatch)', () => events.purgeBatch(NOW, 1000)],
    [
      "webhook deliveries: an endpoint's next page, newest first (WebhooksRepository.listDeliveries)",
      () => webhooks.listDeliveries(SESSION_ID, 20, { createdAt: NOW, id: AFTER_ID }),
    ],
  ];
  const rendered: HotQuery[] = [];
  for (const [name, run] of queries) {
    await run();
    rendered.push({ name, statements: take() });
  }
  return rendered;
}
