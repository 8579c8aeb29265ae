import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent, Created } from '@aero/core';
import { MembersProblems } from '@aero/members';
import { BookingsProblems } from './bookings.errors';
import { HoldCreateDto, HoldResponseDto } from './dto/hold.dto';
import { HoldsService } from './holds.service';
import { ApiIdParam, uuid } from './uuid-param';

/** Holds: places set aside during checkout. */
@ApiTags('bookings')
@Controller('holds')
export class HoldsController {
  constructor(private readonly holds: HoldsService) {}

  @Post()
  @Idempotent({ requiredForApiKeys: true })
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiOperation({
    summary: 'Hold places for a limited time (BOOKINGS_HOLD_TTL_SECONDS, 10 minutes by default)',
  })
  @Created(HoldResponseDto, (h) => `/v1/holds/${h.id}`)
  @ApiProblems(
    BookingsProblems.sessionNotFound,
    MembersProblems.memberNotFound,
    BookingsProblems.sessionFull,
    BookingsProblems.sessionCancelled,
    BookingsProblems.sessionOver,
    BookingsProblems.venueInactive,
    BookingsProblems.holdLimit,
    BookingsProblems.holdCap,
  )
  create(@CurrentPrincipal() principal: Principal, @Body() dto: HoldCreateDto): Promise<HoldResponseDto> {
    return this.holds.create(principal, dto);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiIdParam('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d')
  @ApiOperation({ summary: 'Get a hold you made' })
  @ApiOkResponse({ type: HoldResponseDto })
  @ApiProblems(BookingsProblems.holdNotFound)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<HoldResponseDto> {
    return this.holds.get(principal, id);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:write'] })
  @ApiIdParam('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d')
  @ApiOperation({ summary: 'Release a hold, giving its places back (idempotent)' })
  @ApiNoContentResponse({ description: 'Released (or already released, expired or converted)' })
  @ApiProblems(BookingsProblems.holdNotFound)
  release(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<void> {
    return this.holds.release(principal, id);
  }
}
