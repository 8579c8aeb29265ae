import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent } from '@aero/core';
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
  @ApiCreatedResponse({ type: SessionResponseDto })
  @ApiProblems(404, 409)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: SessionCreateDto,
  ): Promise<SessionResponseDto> {
    return this.sessions.create(principal, dto);
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiOperation({
    summary:
      'Availability: sessions of a venue in a date range, with places booked, held and remaining, in UTC and venue-local time',
  })
  @ApiOkResponse({ type: SessionPageDto })
  @ApiProblems(404)
  list(@CurrentPrincipal() principal: Principal, @Query() query: SessionQueryDto): Promise<SessionPageDto> {
    return this.sessions.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['bookings:read'] })
  @ApiIdParam('5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f')
  @ApiOperation({ summary: 'Get a session with its availability' })
  @ApiOkResponse({ type: SessionResponseDto })
  @ApiProblems(404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<SessionResponseDto> {
    return this.sessions.get(principal, id);
  }

  @Patch(':id')
  @Idempotent()
  @Authenticated({ roles: ['staff'], scopes: ['venues:write'] })
  @ApiIdParam('5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f')
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
