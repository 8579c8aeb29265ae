import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import { canAccessVenue } from '@aero/auth';
import type { Page, PageQueryDto } from '@aero/core';
import { AppError, CoreProblems, TransactionService } from '@aero/core';
import { EventsService } from '@aero/events';
import { BookingsProblems } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import type { VenueCreateDto, VenueResponseDto, VenueUpdateDto } from './dto/venue.dto';
import { VenueEntity } from './venue.entity';

/** Venues: where sessions happen, and the time zone they are shown in. */
@Injectable()
export class VenuesService {
  constructor(
    private readonly repo: BookingsRepository,
    private readonly tx: TransactionService,
    private readonly events: EventsService,
  ) {}

  async create(principal: Principal, dto: VenueCreateDto): Promise<VenueResponseDto> {
    // A caller limited to some venues could never see a venue it created: only platform-wide callers create.
    if (principal.venueIds !== undefined) {
      throw new AppError(
        CoreProblems.forbidden,
        'This credential is limited to certain venues; only a platform-wide admin or key creates venues.',
      );
    }
    const now = new Date();
    const venue = Object.assign(new VenueEntity(), {
      id: randomUUID(),
      name: dto.name,
      timeZone: dto.timeZone,
      active: dto.active ?? true,
      createdAt: now,
      updatedAt: now,
    });
    await this.tx.run(() => this.repo.insertVenue(venue));
    return toVenueResponse(venue);
  }

  /** The venue with this name, created when missing (seed data). */
  async ensure(
    principal: Principal,
    dto: VenueCreateDto,
  ): Promise<{ venue: VenueResponseDto; created: boolean }> {
    const existing = await this.repo.findVenueByName(dto.name);
    if (existing) return { venue: toVenueResponse(existing), created: false };
    return { venue: await this.create(principal, dto), created: true };
  }

  async list(principal: Principal, query: PageQueryDto): Promise<Page<VenueResponseDto>> {
    const limit = query.limit ?? 20;
    const after = query.cursor ? this.tx.cursors.decode(query.cursor, { n: 'text', id: 'id' }) : undefined;
    const rows = await this.tx.read(() =>
      this.repo.listVenues(
        principal.venueIds,
        after ? { name: after.n, id: after.id } : undefined,
        limit,
      ),
    );
    return this.tx.cursors.page(rows, limit, toVenueResponse, (v) => ({ n: v.name, id: v.id }));
  }

  async get(principal: Principal, id: string): Promise<VenueResponseDto> {
    return toVenueResponse(await this.tx.read(() => this.findVisible(principal, id)));
  }

  async update(principal: Principal, id: string, dto: VenueUpdateDto): Promise<VenueResponseDto> {
    return this.tx.run(async () => {
      const venue = await this.findVisible(principal, id);
      const changes: Partial<VenueEntity> = { updatedAt: new Date() };
      if (dto.name !== undefined) changes.name = dto.name;
      if (dto.timeZone !== undefined) changes.timeZone = dto.timeZone;
      if (dto.active !== undefined) changes.active = dto.active;
      await this.repo.updateVenue(id, changes);
      const updated = toVenueResponse(Object.assign(venue, changes));
      await this.events.record('venue.updated', { venueId: id, actor: principal, data: updated });
      return updated;
    });
  }

  /** The venue if it exists and the caller may access it; 404 venue-not-found otherwise. */
  async findVisible(principal: Principal, id: string): Promise<VenueEntity> {
    const venue = await this.repo.findVenue(id);
    if (!venue || !canAccessVenue(principal, venue.id)) {
      throw new AppError(BookingsProblems.venueNotFound, 'No such venue.');
    }
    return venue;
  }
}

export function toVenueResponse(v: VenueEntity): VenueResponseDto {
  return {
    id: v.id,
    name: v.name,
    timeZone: v.timeZone,
    active: Boolean(v.active),
    createdAt: new Date(v.createdAt).toISOString(),
    updatedAt: new Date(v.updatedAt).toISOString(),
  };
}
