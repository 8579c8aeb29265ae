import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent, Created, pageCost, RateLimitCost } from '@aero/core';
import { MembersProblems } from '@aero/members';
import { BookingsProblems } from './bookings.errors';
import { BookingsService } from './bookings.service';
import { BookingCreateDto, BookingPageDto, BookingQueryDto, BookingResponseDto } from './dto/booking.dto';
import { ApiIdParam, uuid } from './uuid-param';

/** Bookings, cancellation and check-in. */
@ApiTags('bookings')
@Controller('bookings')
export class BookingsController {
  constructor(private readonly bookings: BookingsService) {}

  @Post()
  @Idempotent({ requiredForApiKeys: true })
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({
    summary: 'Book places for a member, optionally converting a hold (409 session-full says how many remain)',
  })
  @Created(BookingResponseDto, (b) => `/v1/bookings/${b.id}`)
  @ApiProblems(
    BookingsProblems.sessionNotFound,
    BookingsProblems.holdNotFound,
    MembersProblems.memberNotFound,
    BookingsProblems.sessionFull,
    BookingsProblems.sessionCancelled,
    BookingsProblems.sessionOver,
    BookingsProblems.venueInactive,
    BookingsProblems.holdNotActive,
    BookingsProblems.bookingLimit,
    BookingsProblems.externalRefTaken,
  )
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: BookingCreateDto,
  ): Promise<BookingResponseDto> {
    return this.bookings.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @RateLimitCost(pageCost)
  @ApiOperation({
    summary: 'List bookings by session start, filtered by member, session, venue, status and dates',
  })
  @ApiOkResponse({ type: BookingPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: BookingQueryDto): Promise<BookingPageDto> {
    return this.bookings.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiIdParam('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b')
  @ApiOperation({ summary: 'Get a booking' })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(BookingsProblems.bookingNotFound)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<BookingResponseDto> {
    return this.bookings.get(principal, id);
  }

  @Post(':id/cancel')
  @Idempotent()
  @HttpCode(200)
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiIdParam('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b')
  @ApiOperation({
    summary: 'Cancel a booking and give its places back; cancelling again returns the same booking',
  })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(BookingsProblems.bookingNotFound, BookingsProblems.bookingCheckedIn, BookingsProblems.cancelTooLate)
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<BookingResponseDto> {
    return this.bookings.cancel(principal, id);
  }

  @Post(':id/check-in')
  @Idempotent()
  @HttpCode(200)
  @Authenticated({ roles: ['staff'], scopes: ['bookings:write'] })
  @ApiIdParam('2c4e6a8b-0d1f-4a3c-9e5b-7d9f1a3c5e7b')
  @ApiOperation({
    summary: 'Check a booking in; needs a waiver valid on the session date (409 waiver-required)',
  })
  @ApiOkResponse({ type: BookingResponseDto })
  @ApiProblems(
    BookingsProblems.bookingNotFound,
    BookingsProblems.bookingCancelled,
    BookingsProblems.checkInClosed,
    BookingsProblems.waiverRequired,
  )
  checkIn(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
  ): Promise<BookingResponseDto> {
    return this.bookings.checkIn(principal, id);
  }
}
