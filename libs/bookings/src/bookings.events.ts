import type { BookingResponseDto } from './dto/booking.dto';
import type { SessionResponseDto } from './dto/session.dto';
import type { VenueResponseDto } from './dto/venue.dto';

// The `data` of the events this feature emits: each resource as its GET returns it.
declare module '@aero/events' {
  interface EventPayloads {
    'booking.created': BookingResponseDto;
    'booking.cancelled': BookingResponseDto;
    'booking.checked_in': BookingResponseDto;
    'session.created': SessionResponseDto;
    'session.updated': SessionResponseDto;
    'session.cancelled': SessionResponseDto;
    'venue.updated': VenueResponseDto;
  }
}
