import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@aero/auth';
import type { Page } from '@aero/core';
import { AppConfig, AppError, CoreProblems, TransactionService, weakEtag } from '@aero/core';
import { EventsService } from '@aero/events';
import type { MemberCreateDto } from './dto/member-create.dto';
import type { MemberQueryDto } from './dto/member-query.dto';
import type { MembershipDto, MemberResponseDto, WaiverResponseDto } from './dto/member-response.dto';
import type { MemberUpdateDto } from './dto/member-update.dto';
import type { MembershipUpdateDto } from './dto/membership-update.dto';
import type { WaiverCreateDto } from './dto/waiver-create.dto';
import { isMemberScoped } from './member-scope';
import type { MemberVisibilityCondition } from './member-visibility';
import type { MembershipStatus } from './member.entity';
import { MemberEntity } from './member.entity';
import { MembersProblems } from './members.errors';
import { MembersRepository } from './members.repository';
import { WaiverEntity } from './waiver.entity';

const ADULT_AGE = 18;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Membership transitions a front desk would make; a status may also stay the same (plan or date change). */
const TRANSITIONS: Record<MembershipStatus | 'none', MembershipStatus[]> = {
  none: ['active'],
  active: ['active', 'paused', 'cancelled'],
  paused: ['paused', 'active', 'cancelled'],
  cancelled: ['cancelled', 'active'],
};

/** Whether a membership may move from `from` (null = never had one) to `to`. */
export function canTransitionMembership(from: MembershipStatus | null, to: MembershipStatus): boolean {
  return TRANSITIONS[from ?? 'none'].includes(to);
}

/** Age in whole years on `today` (both `YYYY-MM-DD`). */
export function ageOn(dateOfBirth: string, today: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/**
 * The member's ETag: weak (`W/"3"`), from the row's version, so no body is hashed. Weak because the body
 * carries derived fields (the age) that can change while the stored row does not.
 */
export function etagOf(version: number): string {
  return weakEtag(version);
}

/**
 * Parses `If-Match` into a version; `*` or absent → undefined (no precondition). Unparseable → 412.
 * RFC 9110 asks If-Match for strong comparison, under which a weak tag never matches; here the tag names
 * the stored row's version, which is exactly what the lost-update check protects, so the version inside
 * `W/"3"` (or `"3"`, as older clients send) is compared with the row's.
 */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*' || ifMatch.trim() === '') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match)
    throw new AppError(CoreProblems.preconditionFailed, 'If-Match must be an ETag returned by this API.');
  return Number(match[1]);
}

function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function sortKeyOf(firstName: string, lastName: string): string {
  return `${lastName} ${firstName}`.toLowerCase().slice(0, 201);
}

/**
 * The stored first-name search key: lowercased here, like the search text, so both sides fold case the
 * same way on every dialect (SQLite's LOWER() only folds ASCII). At most 100 UTF-16 units, never ending in
 * half a surrogate pair. The migration that added the column backfills it the same way.
 */
export function firstNameKeyOf(firstName: string): string {
  const key = firstName.toLowerCase().slice(0, 100);
  return /[\uD800-\uDBFF]$/.test(key) ? key.slice(0, -1) : key;
}

export interface MemberWithEtag {
  member: MemberResponseDto;
  etag: string;
}

/**
 * Member profiles, dependants, waivers and membership. Every method takes the acting principal: a
 * `member` user reaches only their own profile and their dependants, anything else is 404.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly repo: MembersRepository,
    private readonly tx: TransactionService,
    private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  async create(principal: Principal, dto: MemberCreateDto): Promise<MemberWithEtag> {
    if (isMemberScoped(principal) && !principal.memberId) {
      throw new AppError(
        CoreProblems.forbidden,
        'Your account is not linked to a member profile, so it cannot add members; ask the front desk to link it.',
      );
    }
    const now = new Date();
    return this.tx.run(async () => {
      let guardianId = dto.guardianId ?? null;
      // A member user adds dependants under themself.
      if (isMemberScoped(principal)) guardianId ??= principal.memberId ?? null;
      const guardian = guardianId
        ? await this.checkGuardian(principal, guardianId, null, dto.dateOfBirth, now)
        : null;
      const homeVenueId = this.homeVenueFor(principal, dto.homeVenueId, guardian?.homeVenueId ?? null);
      const emailNormalized = dto.email ? dto.email.toLowerCase() : null;
      if (emailNormalized && (await this.repo.findByEmail(emailNormalized))) throw this.emailTaken();
      const member = Object.assign(new MemberEntity(), {
        id: randomUUID(),
        firstName: dto.firstName,
        lastName: dto.lastName,
        firstNameKey: firstNameKeyOf(dto.firstName),
        sortKey: sortKeyOf(dto.firstName, dto.lastName),
        dateOfBirth: dto.dateOfBirth,
        email: dto.email ?? null,
        emailNormalized,
        phone: dto.phone ?? null,
        guardianId,
        homeVenueId,
        membershipPlan: null,
        membershipStatus: null,
        membershipValidUntil: null,
        waiverValidUntil: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      });
      await this.insertUnique(() => this.repo.insert(member), homeVenueId);
      if (homeVenueId) await this.repo.linkVenue(member.id, homeVenueId);
      const created = this.withEtag(member, now);
      await this.events.record('member.created', { venueId: homeVenueId, actor: principal, data: created.member });
      return created;
    });
  }

  async list(principal: Principal, query: MemberQueryDto): Promise<Page<MemberResponseDto>> {
    const limit = query.limit ?? 20;
    const after = query.cursor ? this.tx.cursors.decode(query.cursor, { k: 'text', id: 'id' }) : undefined;
    const ids = await this.visibleMemberIds(principal);
    const now = new Date();
    const rows = await this.tx.read(() =>
      this.repo.list({
        search: query.search?.toLowerCase(),
        ids,
        venueIds: principal.venueIds,
        after: after ? { sortKey: after.k, id: after.id } : undefined,
        limit,
      }),
    );
    return this.tx.cursors.page(
      rows,
      limit,
      (m) => this.toResponse(m, now),
      (m) => ({ k: m.sortKey, id: m.id }),
    );
  }

  async get(principal: Principal, id: string): Promise<MemberWithEtag> {
    const member = await this.tx.read(() => this.findVisible(principal, id));
    return this.withEtag(member, new Date());
  }

  /** Applies a partial update; with `ifMatch`, only if nobody changed the member since (412 otherwise). */
  async update(
    principal: Principal,
    id: string,
    dto: MemberUpdateDto,
    ifMatch?: string,
  ): Promise<MemberWithEtag> {
    const expected = versionFromIfMatch(ifMatch);
    const now = new Date();
    return this.tx.run(async () => {
      const current = await this.findVisible(principal, id);
      if (expected !== undefined && expected !== current.version) throw this.stale();
      const changes: Partial<MemberEntity> = { updatedAt: now };
      if (dto.firstName !== undefined) {
        changes.firstName = dto.firstName;
        changes.firstNameKey = firstNameKeyOf(dto.firstName);
      }
      if (dto.lastName !== undefined) changes.lastName = dto.lastName;
      if (dto.firstName !== undefined || dto.lastName !== undefined) {
        changes.sortKey = sortKeyOf(dto.firstName ?? current.firstName, dto.lastName ?? current.lastName);
      }
      if (dto.dateOfBirth !== undefined) changes.dateOfBirth = dto.dateOfBirth;
      if (dto.phone !== undefined) changes.phone = dto.phone;
      if (dto.email !== undefined) {
        changes.email = dto.email;
        changes.emailNormalized = dto.email ? dto.email.toLowerCase() : null;
        if (changes.emailNormalized && changes.emailNormalized !== current.emailNormalized) {
          if (await this.repo.findByEmail(changes.emailNormalized)) throw this.emailTaken();
        }
      }
      if (dto.guardianId !== undefined && dto.guardianId !== current.guardianId) {
        if (dto.guardianId) {
          await this.checkGuardian(
            principal,
            dto.guardianId,
            current.id,
            dto.dateOfBirth ?? current.dateOfBirth,
            now,
          );
        } else if (isMemberScoped(principal) && current.id !== principal.memberId) {
          // A member user may not detach a dependant from themself (they would lose sight of it anyway).
          throw this.notFound();
        }
        changes.guardianId = dto.guardianId;
      }
      if (dto.homeVenueId !== undefined)
        changes.homeVenueId = this.homeVenueFor(principal, dto.homeVenueId, null);
      const updated = await this.insertUnique(
        () => this.repo.updateVersioned(id, changes, current.version),
        changes.homeVenueId,
      );
      if (!updated) throw this.stale();
      if (changes.homeVenueId) await this.repo.linkVenue(id, changes.homeVenueId);
      const result = this.withEtag(Object.assign(current, changes, { version: current.version + 1 }), now);
      const venueId = result.member.homeVenueId;
      await this.events.record('member.updated', { venueId, actor: principal, data: result.member });
      return result;
    });
  }

  /** Soft delete: the profile disappears from lists and lookups; its bookings stay readable to staff. */
  async remove(principal: Principal, id: string): Promise<void> {
    const now = new Date();
    await this.tx.run(async () => {
      const current = await this.findVisible(principal, id);
      if ((await this.repo.dependantIds(id)).length > 0) {
        throw new AppError(MembersProblems.hasDependants, 'This member is the guardian of other members.');
      }
      // The email is freed so the person can be registered again later.
      await this.repo.updateVersioned(
        id,
        { deletedAt: now, updatedAt: now, emailNormalized: null },
        current.version,
      );
    });
  }

  /** Records a signed waiver, valid for `MEMBERS_WAIVER_VALIDITY_DAYS`. */
  async signWaiver(principal: Principal, memberId: string, dto: WaiverCreateDto): Promise<WaiverResponseDto> {
    const now = new Date();
    return this.tx.run(async () => {
      const member = await this.findVisible(principal, memberId);
      const minor = ageOn(member.dateOfBirth, today(now)) < ADULT_AGE;
      const signer = dto.signedByMemberId ?? member.id;
      if (minor) {
        if (!member.guardianId || signer !== member.guardianId) {
          throw new AppError(
            MembersProblems.guardianMustSign,
            member.guardianId
              ? 'This member is a minor: their guardian must sign (signedByMemberId).'
              : 'This member is a minor without a guardian: add a guardian first, who then signs.',
          );
        }
      } else if (signer !== member.id) {
        throw new AppError(
          MembersProblems.guardianMustSign,
          'An adult signs their own waiver; omit signedByMemberId.',
        );
      }
      const waiver = Object.assign(new WaiverEntity(), {
        id: randomUUID(),
        memberId: member.id,
        signedByMemberId: signer,
        signedAt: now,
        validUntil: new Date(now.getTime() + this.config.members.waiverValidityDays * DAY_MS),
      });
      await this.repo.insertWaiver(waiver);
      const latest =
        member.waiverValidUntil && member.waiverValidUntil > waiver.validUntil
          ? member.waiverValidUntil
          : waiver.validUntil;
      await this.repo.updateVersioned(member.id, { waiverValidUntil: latest, updatedAt: now });
      const signed: WaiverResponseDto = {
        id: waiver.id,
        memberId: waiver.memberId,
        signedByMemberId: waiver.signedByMemberId,
        signedAt: waiver.signedAt.toISOString(),
        validUntil: waiver.validUntil.toISOString(),
      };
      await this.events.record('waiver.signed', { venueId: member.homeVenueId ?? null, actor: principal, data: signed });
      return signed;
    });
  }

  /** Starts, pauses, resumes or cancels a membership, allowing only sensible transitions. */
  async changeMembership(
    principal: Principal,
    memberId: string,
    dto: MembershipUpdateDto,
    ifMatch?: string,
  ): Promise<MemberWithEtag> {
    const expected = versionFromIfMatch(ifMatch);
    const now = new Date();
    return this.tx.run(async () => {
      const member = await this.findVisible(principal, memberId);
      if (expected !== undefined && expected !== member.version) throw this.stale();
      const from = member.membershipStatus;
      if (!canTransitionMembership(from, dto.status)) {
        throw new AppError(
          MembersProblems.invalidTransition,
          `A membership cannot go from ${from ?? 'none'} to ${dto.status}.`,
          { from: from ?? null, to: dto.status },
        );
      }
      const plan = dto.plan ?? member.membershipPlan;
      if (!plan) {
        throw new AppError(CoreProblems.validation, 'plan: is required to start a membership', {
          errors: [{ field: 'plan', message: 'is required to start a membership' }],
        });
      }
      const changes: Partial<MemberEntity> = {
        membershipPlan: plan,
        membershipStatus: dto.status,
        membershipValidUntil: dto.validUntil ?? member.membershipValidUntil,
        updatedAt: now,
      };
      if (!(await this.repo.updateVersioned(member.id, changes, member.version))) throw this.stale();
      const result = this.withEtag(Object.assign(member, changes, { version: member.version + 1 }), now);
      const venueId = result.member.homeVenueId;
      await this.events.record('membership.changed', { venueId, actor: principal, data: result.member });
      return result;
    });
  }

  /** Throws 404 member-not-found unless the member exists, is not deleted, and the caller may see them. */
  async assertVisible(principal: Principal, memberId: string): Promise<void> {
    await this.findVisible(principal, memberId);
  }

  /**
   * The rule of `assertVisible` as a condition for another feature's statement (a booking folds it into
   * the session read it needs anyway); when it is false, throw `memberNotFound()`.
   */
  visibilityCondition(principal: Principal, memberId: string): MemberVisibilityCondition {
    const ownerId = isMemberScoped(principal) ? (principal.memberId ?? null) : undefined;
    return this.repo.visibleCondition(memberId, principal.venueIds, ownerId);
  }

  /** The 404 a member the caller may not see gets, whoever checked. */
  memberNotFound(): AppError {
    return this.notFound();
  }

  /** The member ids a member-scoped caller may see (self and dependants); undefined when unrestricted. */
  async visibleMemberIds(principal: Principal): Promise<string[] | undefined> {
    if (!isMemberScoped(principal)) return undefined;
    if (!principal.memberId) return [];
    const self = await this.repo.findLive(principal.memberId);
    if (!self) return [];
    return [self.id, ...(await this.repo.dependantIds(self.id))];
  }

  /** Whether the member holds a waiver valid at `at` (e.g. a session's start). */
  waiverValidOn(memberId: string, at: Date): Promise<boolean> {
    return this.repo.hasWaiverValidAt(memberId, at);
  }

  /** Records that a member is known at a venue (they booked there), so that venue's staff and keys see them. */
  linkVenue(memberId: string, venueId: string): Promise<void> {
    return this.repo.linkVenue(memberId, venueId);
  }

  /** Finds a member by email (CLI import, seed); null when none. */
  async findIdByEmail(email: string): Promise<string | null> {
    const member = await this.repo.findByEmail(email.toLowerCase());
    return member?.id ?? null;
  }

  /**
   * The home venue for a new or moved member. Venue-restricted callers (keys and staff) must name one of
   * their venues, or get their only one; everyone else may name any venue (the foreign key checks it) or
   * none, and a member user's dependant inherits the guardian's.
   */
  private homeVenueFor(
    principal: Principal,
    requested: string | undefined,
    fallback: string | null,
  ): string | null {
    const venues = principal.venueIds;
    if (venues === undefined) return requested ?? fallback;
    const chosen = requested ?? (venues.length === 1 ? venues[0] : undefined);
    if (chosen === undefined) throw this.invalidHomeVenue('is required: name one of your venues');
    if (!venues.includes(chosen)) throw this.invalidHomeVenue('must be one of your venues');
    return chosen;
  }

  /** Venue-restricted callers see only members known at their venues; anyone else is 404 to them. */
  private async findVisible(principal: Principal, id: string): Promise<MemberEntity> {
    const member = await this.repo.findLive(id, principal.venueIds);
    if (!member) throw this.notFound();
    if (isMemberScoped(principal)) {
      const mine =
        principal.memberId !== undefined &&
        (member.id === principal.memberId || member.guardianId === principal.memberId);
      if (!mine) throw this.notFound();
    }
    return member;
  }

  private async checkGuardian(
    principal: Principal,
    guardianId: string,
    memberId: string | null,
    dateOfBirth: string,
    now: Date,
  ): Promise<MemberEntity> {
    if (guardianId === memberId) throw this.invalidGuardian('A member cannot be their own guardian.');
    const guardian = await this.repo.findLive(guardianId, principal.venueIds);
    if (!guardian) throw this.invalidGuardian('The guardian does not exist.');
    if (isMemberScoped(principal) && guardian.id !== principal.memberId) {
      throw this.invalidGuardian('You can only add dependants under your own profile.');
    }
    if (guardian.guardianId) throw this.invalidGuardian('The guardian has a guardian themself.');
    if (ageOn(guardian.dateOfBirth, today(now)) < ADULT_AGE)
      throw this.invalidGuardian('The guardian must be an adult.');
    if (ageOn(dateOfBirth, today(now)) >= ADULT_AGE)
      throw this.invalidGuardian('Only minors have a guardian.');
    return guardian;
  }

  /** Runs a write, turning a duplicate email into 409 and (when a venue was named) a dangling one into 400. */
  private async insertUnique<T>(write: () => Promise<T>, homeVenueId?: string | null): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (this.tx.errors.isUniqueViolation(error)) throw this.emailTaken();
      if (homeVenueId && this.tx.errors.isConstraintViolation(error))
        throw this.invalidHomeVenue('is not a venue');
      throw error;
    }
  }

  private invalidHomeVenue(message: string): AppError {
    return new AppError(CoreProblems.validation, `homeVenueId: ${message}`, {
      errors: [{ field: 'homeVenueId', message }],
    });
  }

  private withEtag(member: MemberEntity, now: Date): MemberWithEtag {
    return { member: this.toResponse(member, now), etag: etagOf(member.version) };
  }

  private toResponse(m: MemberEntity, now: Date): MemberResponseDto {
    const waiverValidUntil = m.waiverValidUntil ? new Date(m.waiverValidUntil) : null;
    const membership: MembershipDto = {
      plan: m.membershipPlan,
      status: m.membershipStatus ?? 'none',
      validUntil: m.membershipValidUntil,
    };
    return {
      id: m.id,
      firstName: m.firstName,
      lastName: m.lastName,
      dateOfBirth: m.dateOfBirth,
      isMinor: ageOn(m.dateOfBirth, today(now)) < ADULT_AGE,
      email: m.email,
      phone: m.phone,
      guardianId: m.guardianId,
      homeVenueId: m.homeVenueId ?? null,
      waiverValidUntil: waiverValidUntil ? waiverValidUntil.toISOString() : null,
      waiverValid: waiverValidUntil !== null && waiverValidUntil >= now,
      membership,
      version: m.version,
      createdAt: new Date(m.createdAt).toISOString(),
      updatedAt: new Date(m.updatedAt).toISOString(),
    };
  }

  private notFound(): AppError {
    return new AppError(MembersProblems.memberNotFound, 'No such member.');
  }

  private stale(): AppError {
    return new AppError(
      CoreProblems.preconditionFailed,
      'The member changed since you read it; re-read and retry.',
    );
  }

  private emailTaken(): AppError {
    return new AppError(MembersProblems.emailTaken, 'Another member already uses this email.');
  }

  private invalidGuardian(detail: string): AppError {
    return new AppError(MembersProblems.invalidGuardian, detail);
  }
}
