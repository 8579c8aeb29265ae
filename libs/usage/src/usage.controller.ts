import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '@aero/core';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal, uuidParam } from '@aero/auth';
import { UsageQueryDto, UsageReportDto, UsageSummaryDto, UsageSummaryQueryDto } from './usage.dto';
import { UsageAccessService } from './usage-access.service';
import { UsageProblems } from './usage.errors';

/** Usage of the API, from the usage ledger (recent requests are visible within about a second). */
@ApiTags('usage')
@Controller({ path: 'usage', version: '1' })
export class UsageController {
  constructor(private readonly access: UsageAccessService) {}

  @Get()
  @Authenticated({ roles: ['admin', 'staff', 'member'], scopes: [] })
  @ApiOperation({
    summary: "The caller's own usage: a key sees its own requests, a user theirs",
    description:
      'Totals (errors = 4xx + 5xx), one bucket per hour or UTC day and the busiest routes. The range is widened to whole hours.',
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiProblems(400)
  own(@Query() query: UsageQueryDto, @CurrentPrincipal() principal: Principal): Promise<UsageReportDto> {
    return this.access.own(principal, query);
  }

  @Get('summary')
  @Authenticated()
  @ApiOperation({
    summary: 'Platform-wide usage: totals, busiest principals, error and throttle rates, anomalies (admin)',
    description:
      'Anomalies compare each principal’s last hour with its own previous 24 hours, whatever the range.',
  })
  @ApiOkResponse({ type: UsageSummaryDto })
  @ApiProblems(400)
  summary(@Query() query: UsageSummaryQueryDto): Promise<UsageSummaryDto> {
    return this.access.summary(query);
  }

  @Get('keys/:id')
  @Authenticated({ scopes: ['usage:read'] })
  @ApiOperation({
    summary:
      "An API key's usage (admin, or a key with usage:read; a venue-restricted one sees keys of its venues)",
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiProblems(400, UsageProblems.principalNotFound)
  forKey(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: UsageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UsageReportDto> {
    return this.access.forKey(principal, id, query);
  }

  @Get('users/:id')
  @Authenticated({ scopes: ['usage:read'] })
  @ApiOperation({
    summary:
      "A user's usage (admin, or a key with usage:read; a venue-restricted one sees users of its venues)",
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiProblems(400, UsageProblems.principalNotFound)
  forUser(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: UsageQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UsageReportDto> {
    return this.access.forUser(principal, id, query);
  }
}
