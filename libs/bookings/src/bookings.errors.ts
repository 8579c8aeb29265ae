import { defineProblemType } from '@aero/core';

/** Problem types of the bookings feature (venues, sessions, holds, bookings). */
export const BookingsProblems = {
  venueNotFound: defineProblemType({
    code: 'BOOKINGS_VENUE_NOT_FOUND',
    slug: 'venue-not-found',
    status: 404,
    title: 'Venue not found',
    description: 'No such venue, or not one the caller may access.',
  }),
  venueInactive: defineProblemType({
    code: 'BOOKINGS_VENUE_INACTIVE',
    slug: 'venue-inactive',
    status: 409,
    title: 'Venue inactive',
    description: 'The venue is not taking new sessions or bookings.',
  }),
  sessionNotFound: defineProblemType({
    code: 'BOOKINGS_SESSION_NOT_FOUND',
    slug: 'session-not-found',
    status: 404,
    title: 'Session not found',
    description: 'No such session, or not one the caller may access.',
  }),
  sessionExists: defineProblemType({
    code: 'BOOKINGS_SESSION_EXISTS',
    slug: 'session-exists',
    status: 409,
    title: 'Session already scheduled',
    description: 'The venue already has this activity at this start time; `sessionId` names it.',
  }),
  sessionFull: defineProblemType({
    code: 'BOOKINGS_SESSION_FULL',
    slug: 'session-full',
    status: 409,
    title: 'Not enough places left',
    description:
      'The session has fewer places left than requested; `remaining` says how many. Ask for fewer or pick another session.',
  }),
  sessionCancelled: defineProblemType({
    code: 'BOOKINGS_SESSION_CANCELLED',
    slug: 'session-cancelled',
    status: 409,
    title: 'Session cancelled',
    description: 'A cancelled session takes no new holds or bookings.',
  }),
  sessionOver: defineProblemType({
    code: 'BOOKINGS_SESSION_OVER',
    slug: 'session-over',
    status: 409,
    title: 'Session already over',
    description: 'The session has ended: it takes no new holds or bookings.',
  }),
  capacityBelowTaken: defineProblemType({
    code: 'BOOKINGS_CAPACITY_BELOW_TAKEN',
    slug: 'capacity-below-taken',
    status: 409,
    title: 'Capacity below places taken',
    description: 'Capacity cannot go below the places already booked or held; `taken` says how many.',
  }),
  holdNotFound: defineProblemType({
    code: 'BOOKINGS_HOLD_NOT_FOUND',
    slug: 'hold-not-found',
    status: 404,
    title: 'Hold not found',
    description: 'No such hold, or not one the caller made.',
  }),
  holdNotActive: defineProblemType({
    code: 'BOOKINGS_HOLD_NOT_ACTIVE',
    slug: 'hold-not-active',
    status: 409,
    title: 'Hold no longer usable',
    description: 'The hold was released, already converted into a booking, or is for another session.',
  }),
  bookingNotFound: defineProblemType({
    code: 'BOOKINGS_BOOKING_NOT_FOUND',
    slug: 'booking-not-found',
    status: 404,
    title: 'Booking not found',
    description: 'No such booking, or not one the caller may see.',
  }),
  bookingLimit: defineProblemType({
    code: 'BOOKINGS_LIMIT_REACHED',
    slug: 'booking-limit-reached',
    status: 409,
    title: 'Too many bookings for this member',
    description:
      'The member already has the most active bookings allowed on this session (`BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION`).',
  }),
  holdLimit: defineProblemType({
    code: 'BOOKINGS_HOLD_LIMIT_REACHED',
    slug: 'hold-limit-reached',
    status: 409,
    title: 'Too many holds on this session',
    description:
      'A member user may keep only a few holds on one session at a time (`BOOKINGS_MAX_ACTIVE_PER_MEMBER_SESSION`), hold only so many places there at once (`BOOKINGS_MAX_HELD_PLACES_PER_MEMBER_SESSION`) and make only so many holds there in all, renewals included (`BOOKINGS_MAX_HOLDS_PER_MEMBER_SESSION`). `bound` names the bound that was reached (`active`, `places` or `holds`) and `limit` its value; book or release a hold first.',
  }),
  holdCap: defineProblemType({
    code: 'BOOKINGS_HOLD_CAP_REACHED',
    slug: 'hold-cap-reached',
    status: 409,
    title: 'Too many open holds',
    description:
      'Every caller (user or API key) may have only so many open holds at once, across all sessions: `HOLDS_MAX_OPEN_PER_PRINCIPAL` (20 by default), or the API key\'s own `maxOpenHolds`. `limit` is the cap and `open` how many the caller has; book or release a hold first, or wait for one to expire.',
  }),
  externalRefTaken: defineProblemType({
    code: 'BOOKINGS_EXTERNAL_REF_TAKEN',
    slug: 'external-ref-taken',
    status: 409,
    title: 'External reference already used',
    description:
      'Your app already made a booking with this `externalRef`; `bookingId` names it. Fetch it instead of booking again.',
  }),
  waiverRequired: defineProblemType({
    code: 'BOOKINGS_WAIVER_REQUIRED',
    slug: 'waiver-required',
    status: 409,
    title: 'Waiver required',
    description:
      'The member has no waiver valid on the session date. Record one (POST /v1/members/{id}/waivers) and retry.',
  }),
  bookingCancelled: defineProblemType({
    code: 'BOOKINGS_BOOKING_CANCELLED',
    slug: 'booking-cancelled',
    status: 409,
    title: 'Booking cancelled',
    description: 'A cancelled booking cannot be checked in.',
  }),
  bookingCheckedIn: defineProblemType({
    code: 'BOOKINGS_BOOKING_CHECKED_IN',
    slug: 'booking-checked-in',
    status: 409,
    title: 'Booking already checked in',
    description: 'The guests have arrived: the booking can no longer be cancelled.',
  }),
  checkInClosed: defineProblemType({
    code: 'BOOKINGS_CHECK_IN_CLOSED',
    slug: 'check-in-closed',
    status: 409,
    title: 'Check-in is not open',
    description:
      'Check-in opens 2 hours before the session starts and closes when it ends; `opensAt` and `closesAt` say when.',
  }),
  cancelTooLate: defineProblemType({
    code: 'BOOKINGS_CANCEL_TOO_LATE',
    slug: 'cancel-too-late',
    status: 409,
    title: 'Too late to cancel',
    description: 'Members can cancel only before the session starts; ask the front desk.',
  }),
};
