import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { ApiProblems, Idempotent, Created, pageCost, RateLimitCost, ValidationProblem } from '@aero/core';
import { MembersProblems } from './members.errors';
import { MemberCreateDto } from './dto/member-create.dto';
import { MemberQueryDto } from './dto/member-query.dto';
import { MemberPageDto, MemberResponseDto, WaiverResponseDto } from './dto/member-response.dto';
import { MemberUpdateDto } from './dto/member-update.dto';
import { MembershipUpdateDto } from './dto/membership-update.dto';
import { WaiverCreateDto } from './dto/waiver-create.dto';
import type { MemberWithEtag } from './members.service';
import { MembersService } from './members.service';

const ETAG_HEADER = {
  ETag: { description: "The member's version, for `If-Match`", schema: { type: 'string', example: 'W/"3"' } },
};
const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The ETag from your last read, e.g. `W/"3"` (the version inside is compared); 412 when the member changed since',
};
const ApiIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    format: 'uuid',
    example: '8e1d2b7c-4d0a-4f43-9a59-2f1e6c3b9d01',
    description: 'The member id',
  });

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationProblem([{ field: 'id', message: 'must be a UUID' }]),
});

function withEtag(res: Response, result: MemberWithEtag): MemberResponseDto {
  res.setHeader('ETag', result.etag);
  return result.member;
}

/** Member profiles. A `member` user sees only their own profile and their dependants. */
@ApiTags('members')
@Controller('members')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Post()
  @Idempotent()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['members:write'] })
  @ApiOperation({ summary: 'Create a member (a member user creates dependants under themself)' })
  @Created(MemberResponseDto, (m) => `/v1/members/${m.id}`)
  @ApiProblems(MembersProblems.emailTaken, MembersProblems.invalidGuardian)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: MemberCreateDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    return withEtag(res, await this.members.create(principal, dto));
  }

  @Get()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['members:read'] })
  @RateLimitCost(pageCost)
  @ApiOperation({ summary: 'List or search members by name or email prefix, alphabetically' })
  @ApiOkResponse({ type: MemberPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: MemberQueryDto): Promise<MemberPageDto> {
    return this.members.list(principal, query);
  }

  @Get(':id')
  @Authenticated({ roles: ['staff', 'member'], scopes: ['members:read'] })
  @ApiIdParam()
  @ApiOperation({ summary: 'Get a member; the ETag header carries its version' })
  @ApiOkResponse({ type: MemberResponseDto, headers: ETAG_HEADER })
  @ApiProblems(MembersProblems.memberNotFound)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    return withEtag(res, await this.members.get(principal, id));
  }

  @Patch(':id')
  @Idempotent()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['members:write'] })
  @ApiIdParam()
  @ApiOperation({
    summary: 'Update a member; send If-Match with the ETag to avoid lost updates (412 when stale)',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: MemberResponseDto, headers: ETAG_HEADER })
  @ApiProblems(MembersProblems.memberNotFound, MembersProblems.emailTaken, MembersProblems.invalidGuardian, 412)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: MemberUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    return withEtag(res, await this.members.update(principal, id, dto, ifMatch));
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @Authenticated({ roles: ['staff'], scopes: ['members:write'] })
  @ApiIdParam()
  @ApiOperation({ summary: 'Delete a member (soft: their bookings stay readable to staff)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(MembersProblems.memberNotFound, MembersProblems.hasDependants)
  remove(@CurrentPrincipal() principal: Principal, @Param('id', uuid) id: string): Promise<void> {
    return this.members.remove(principal, id);
  }

  @Post(':id/waivers')
  @Idempotent()
  @Authenticated({ roles: ['staff', 'member'], scopes: ['members:write'] })
  @ApiIdParam()
  @ApiOperation({ summary: 'Record a signed waiver; an empty body means signed now by the member' })
  @Created(WaiverResponseDto, (w) => `/v1/members/${w.memberId}`, 'Recorded: the waiver; `Location` is the member, whose profile shows it')
  @ApiProblems(MembersProblems.memberNotFound, MembersProblems.guardianMustSign)
  signWaiver(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: WaiverCreateDto,
  ): Promise<WaiverResponseDto> {
    return this.members.signWaiver(principal, id, dto ?? {});
  }

  @Put(':id/membership')
  @Idempotent()
  @Authenticated({ roles: ['staff'], scopes: ['members:write'] })
  @ApiIdParam()
  @ApiOperation({
    summary: 'Set membership plan and status (active, paused, cancelled); If-Match guards against lost updates',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: MemberResponseDto, headers: ETAG_HEADER })
  @ApiProblems(MembersProblems.memberNotFound, MembersProblems.invalidTransition, 412)
  async changeMembership(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: MembershipUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemberResponseDto> {
    return withEtag(res, await this.members.changeMembership(principal, id, dto, ifMatch));
  }
}
