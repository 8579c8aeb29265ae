import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent, Created, rangeCost, RateLimitCost } from '@aero/core';
import { BookingsProblems } from './bookings.errors';
import {
  SessionCreateDto,
  SessionPageDto,
  SessionQueryDto,
  SessionResponseDto,
  SessionUpdateDto,
} from './dto/session.dto';
import { SessionsService } from './sessions.service';
import { ApiIdParam, uuid } from './uuid-param';

/** Sessions and availability. */
@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @Idempotent()
  @Authenticated({ roles: ['staff'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Schedule a session' })
  @Created(SessionResponseDto, (s) => `/v1/sessions/${s.id}`)
  @ApiProblems(BookingsProblems.venueNotFound, BookingsProblems.venueInactive, BookingsProblems.sessionExists)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: SessionCreateDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  // Long ranges and large pages read many sessions: one rate-limit unit per fortnight asked for.
  @RateLimitCost(rangeCost)
  @ApiOperation({
    summary:
      'Availability: sessions of a venue in a date range, with places booked, held and remaining, in UTC and venue-local time',
  })
  @ApiOkResponse({ type: SessionPageDto })
  @ApiProblems(BookingsProblems.venueNotFound)
  list(@CurrentPrincipal() principal: Principal, @Query() query: SessionQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiIdParam('5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f')
  @ApiOperation({ summary: 'Get a session with its availability' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiProblems(BookingsProblems.sessionNotFound)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SessionResponseDto> {
    return this.sessions.get(principal, id);
  }

  @Patch(':id')
  @Idempotent()
  @Authenticated({ roles: ['staff'], scopes: ['venues:write'] })
  @ApiIdParam('5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f')
  @ApiOperation({ summary: 'Change capacity (never below places taken) or cancel the session' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiProblems(BookingsProblems.sessionNotFound, BookingsProblems.capacityBelowTaken)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: SessionUpdateDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.update(principal, id, dto);
  }
}
