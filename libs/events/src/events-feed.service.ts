import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { isAdmin } from '@aero/auth';
import { AppError, CoreProblems, TransactionService, ValidationProblem } from '@aero/core';
import type { EventPageDto, EventQueryDto } from './event.dto';
import type { EventType } from './event-types';
import { EVENT_RESOURCES, EVENT_TYPES, isEventType } from './event-types';
import { EventsService } from './events.service';

const POSITION = /^\d{1,15}$/;

/**
 * The feed's rules: who sees which events. Admins see everything; other staff users and API keys see
 * every non-admin event type, limited to their venues when their credential is (then venue-less
 * events, such as members without a home venue, are not shown). Member users never reach it (403).
 */
@Injectable()
export class EventsFeedService {
  constructor(
    private readonly events: EventsService,
    private readonly tx: TransactionService,
  ) {}

  async feed(principal: Principal, query: EventQueryDto): Promise<EventPageDto> {
    const limit = query.limit ?? 20;
    const position = query.after ? this.decode(query.after) : 0;
    const types = this.typesFor(principal, query.types);
    let venueIds = principal.venueIds;
    if (query.venueId) {
      if (venueIds && !venueIds.includes(query.venueId)) {
        throw new AppError(CoreProblems.forbidden, 'This credential does not reach that venue.');
      }
      venueIds = [query.venueId];
    }
    const rows = await this.events.listAfter(position, limit + 1, { types, venueIds });
    const shown = rows.slice(0, limit);
    return {
      data: shown.map((row) => row.event),
      nextCursor: this.encode(shown.at(-1)?.position ?? position),
      hasMore: rows.length > limit,
    };
  }

  private typesFor(principal: Principal, requested: string | undefined): EventType[] {
    const admin = isAdmin(principal);
    const visible = EVENT_TYPES.filter((type) => admin || !EVENT_RESOURCES[type].adminOnly);
    if (requested === undefined) return visible;
    const names = [...new Set(requested.split(',').map((t) => t.trim()).filter(Boolean))];
    const unknown = names.filter((name) => !isEventType(name));
    if (names.length === 0 || unknown.length > 0) {
      const message = names.length === 0 ? 'must name at least one event type' : `unknown event type(s): ${unknown.join(', ')}`;
      throw new ValidationProblem([{ field: 'types', message }]);
    }
    const hidden = names.filter((name) => !visible.includes(name as EventType));
    if (hidden.length > 0) {
      throw new AppError(CoreProblems.forbidden, `Only admins see these event types: ${hidden.join(', ')}.`);
    }
    return names as EventType[];
  }

  private encode(position: number): string {
    return this.tx.cursors.encode({ p: String(position) });
  }

  private decode(cursor: string): number {
    const { p } = this.tx.cursors.decode(cursor, { p: 'text' });
    if (!POSITION.test(p)) throw new ValidationProblem([{ field: 'after', message: 'is not a cursor issued by this API' }]);
    return Number(p);
  }
}
