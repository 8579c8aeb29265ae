import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, PageQueryDto, ValidationProblem } from '@aero/core';
import { BookingsService } from './bookings.service';
import { BookingCreateDto, BookingPageDto, BookingQueryDto, BookingResponseDto } from './dto/booking.dto';
import { HoldCreateDto, HoldResponseDto } from './dto/hold.dto';
import { SessionCreateDto, SessionPageDto, SessionQueryDto, SessionResponseDto, SessionUpdateDto } from './dto/session.dto';
import { VenueCreateDto, VenuePageDto, VenueResponseDto, VenueUpdateDto } from './dto/venue.dto';
import { HoldsService } from './holds.service';
import { SessionsService } from './sessions.service';
import { VenuesService } from './venues.service';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationProblem([{ field: 'id', message: 'must be a UUID' }]),
});

/** Venues (admin). */
@ApiTags('venues')
@Controller('venues')
export class VenuesController {
  constructor(private readonly venues: VenuesService) {}

  @Post()
  @Authenticated({ roles: ['admin'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Create a venue with its IANA time zone' })
  @ApiCreatedResponse({ type: VenueResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: VenueCreateDto): Promise<VenueResponseDto> {
    return this.venues.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['venues:read'] })
  @ApiOperation({ summary: 'List the venues the caller may access, by name' })
  @ApiOkResponse({ type: VenuePageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<VenuePageDto> {
    return this.venues.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['venues:read'] })
  @ApiOperation({ summary: 'Get a venue' })
  @ApiOkResponse({ type: VenueResponseDto })
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<VenueResponseDto> {
    return this.venues.get(principal, id);
  }

  @Patch(':id')
  @Authenticated({ roles: ['admin'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Rename a venue, change its time zone, or (de)activate it' })
  @ApiOkResponse({ type: VenueResponseDto })
  @ApiProblems(404)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: VenueUpdateDto,
  ): Promise<VenueResponseDto> {
    return this.venues.update(principal, id, dto);
  }
}

/** Sessions and availability. */
@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @Authenticated({ roles: ['staff'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Schedule a session' })
  @ApiCreatedResponse({ type: SessionResponseDto })
  @ApiProblems(404, 409)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: SessionCreateDto): Promise<SessionResponseDto> {
    return this.sessions.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({
    summary: 'Availability: sessions of a venue in a date range, with places booked, held and remaining, in UTC and venue-local time',
  })
  @ApiOkResponse({ type: SessionPageDto })
  @ApiProblems(404)
  list(@CurrentPrincipal() principal: Principal, @Query() query: SessionQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({ summary: 'Get a session with its availability' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SessionResponseDto> {
    return this.sessions.get(principal, id);
  }

  @Patch(':id')
  @Authenticated({ roles: ['staff'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Change capacity (never below places taken) or cancel the session' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiProblems(404, 409)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: SessionUpdateDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.update(principal, id, dto);
  }
}

/** Holds: places set aside during checkout. */
@ApiTags('bookings')
@Controller('holds')
export class HoldsController {
  constructor(private readonly holds: HoldsService) {}

  @Post()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({ summary: 'Hold places for a limited time (BOOKINGS_HOLD_TTL_SECONDS, 10 minutes by default)' })
  @ApiCreatedResponse({ type: HoldResponseDto })
  @ApiProblems(404, 409)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: HoldCreateDto): Promise<HoldResponseDto> {
    return this.holds.create(principal, dto);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({ summary: 'Get a hold you made' })
  @ApiOkResponse({ type: HoldResponseDto })
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<HoldResponseDto> {
    return this.holds.get(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({ summary: 'Release a hold, giving its places back (idempotent)' })
  @ApiNoContentResponse({ description: 'Released (or already released, expired or converted)' })
  @ApiProblems(404)
  release(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<void> {
    return this.holds.release(principal, id);
  }
}

/** Bookings, cancellation and check-in. */
@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({ summary: 'Book places for a member, optionally converting a hold (409 session-full says how many remain)' })
  @ApiCreatedResponse({ type: BookingResponseDto })
  @ApiProblems(404, 409)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: BookingCreateDto): Promise<BookingResponseDto> {
    return this.bookings.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({ summary: 'List bookings by session start, filtered by member, session, venue, status and dates' })
  @ApiOkResponse({ type: BookingPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: BookingQueryDto): Promise<BookingPageDto> {
    return this.bookings.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({ summary: 'Get a booking' })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<BookingResponseDto> {
    return this.bookings.get(principal, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({ summary: 'Cancel a booking and give its places back; cancelling again returns the same booking' })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(404, 409)
  cancel(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<BookingResponseDto> {
    return this.bookings.cancel(principal, id);
  }

  @Post(':id/check-in')
  @HttpCode(200)
  @Authenticated({ roles: ['staff'], scopes: ['bookings:write'] })
  @ApiOperation({ summary: 'Check a booking in; needs a waiver valid on the session date (409 waiver-required)' })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(404, 409)
  checkIn(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<BookingResponseDto> {
    return this.bookings.checkIn(principal, id);
  }
}
