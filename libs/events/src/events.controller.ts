import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '@aero/core';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal } from '@aero/auth';
import { EventPageDto, EventQueryDto } from './event.dto';
import { EventsFeedService } from './events-feed.service';

/** The events feed: every change, in commit order, for apps that catch up by polling. */
@ApiTags('events')
@Controller({ path: 'events', version: '1' })
export class EventsController {
  constructor(private readonly feed: EventsFeedService) {}

  @Get()
  @Authenticated({ roles: ['admin', 'staff'], scopes: ['events:read'] })
  @ApiOperation({
    summary: 'Events in commit order, from a cursor (staff, admin, or a key with events:read)',
    description: [
      'Each event is one committed change, `data` being the resource as its GET returned it then. Pages',
      'come oldest first; `nextCursor` is always returned: store it and pass it as `after` to continue, so',
      'a client that was offline catches up from where it stopped and misses nothing still kept',
      '(`EVENTS_RETENTION_DAYS`). An event appears once its transaction has committed; no event ever',
      'appears behind a cursor already handed out. A venue-restricted key or user sees its venues only;',
      'API-key and user events are shown to admins only. Member users: 403.',
    ].join(' '),
  })
  @ApiOkResponse({ type: EventPageDto })
  @ApiProblems(400, 403)
  list(@Query() query: EventQueryDto, @CurrentPrincipal() principal: Principal): Promise<EventPageDto> {
    return this.feed.feed(principal, query);
  }
}
