import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent, Created, PageQueryDto, UpdatedAtEtag } from '@aero/core';
import { BookingsProblems } from './bookings.errors';
import { VenueCreateDto, VenuePageDto, VenueResponseDto, VenueUpdateDto } from './dto/venue.dto';
import { ApiIdParam, uuid } from './uuid-param';
import { VenuesService } from './venues.service';

/** Venues (admin). */
@ApiTags('venues')
@Controller('venues')
export class VenuesController {
  constructor(private readonly venues: VenuesService) {}

  @Post()
  @Idempotent()
  @Authenticated({ roles: ['admin'], scopes: ['venues:write'] })
  @ApiOperation({ summary: 'Create a venue with its IANA time zone' })
  @Created(VenueResponseDto, (v) => `/v1/venues/${v.id}`)
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
  @ApiIdParam('0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69')
  @ApiOperation({ summary: 'Get a venue' })
  @ApiOkResponse({ type: VenueResponseDto })
  @UpdatedAtEtag()
  @ApiProblems(BookingsProblems.venueNotFound)
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<VenueResponseDto> {
    return this.venues.get(principal, id);
  }

  @Patch(':id')
  @Idempotent()
  @Authenticated({ roles: ['admin'], scopes: ['venues:write'] })
  @ApiIdParam('0b6f3c1a-5d2e-4c8f-9a7b-1e2d3c4b5a69')
  @ApiOperation({ summary: 'Rename a venue, change its time zone, or (de)activate it' })
  @ApiOkResponse({ type: VenueResponseDto })
  @ApiProblems(BookingsProblems.venueNotFound)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: VenueUpdateDto,
  ): Promise<VenueResponseDto> {
    return this.venues.update(principal, id, dto);
  }
}
