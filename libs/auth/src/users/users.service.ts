import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { AppError, CoreProblems, ReadDataSource, TransactionService } from '@aero/core';
import type { Page } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { PasswordService } from '../passwords/password.service';
import type { Principal, Role } from '../principal';
import { SessionsService } from '../sessions/sessions.service';
import type { UserCreateDto, UserDto, UserUpdateDto } from './user.dto';
import type { UserChangeActor } from './user-event-sink';
import { UserEventSink } from './user-event-sink';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

const CLI_ACTOR: UserChangeActor = { kind: 'system', id: 'cli' };

export interface UserCreateInput {
  email: string;
  password: string;
  roles: Role[];
  memberId?: string | null;
  venueIds?: string[] | null;
}

/** User accounts: creation, listing, changes, deletion. Password changes, disabling and deletion end every session. */
@Injectable()
export class UsersService {
  constructor(
    private readonly tx: TransactionService,
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly reader: ReadDataSource,
    @Optional() private readonly events?: UserEventSink,
  ) {}

  async create(input: UserCreateDto | UserCreateInput): Promise<UserDto> {
    const email = input.email.trim().toLowerCase();
    this.passwords.assertAcceptable(input.password, email);
    // Hash outside the transaction: ~30 ms of CPU must not hold a connection.
    const passwordHash = await this.passwords.hash(input.password);
    const now = new Date();
    const user = Object.assign(new UserEntity(), {
      id: randomUUID(),
      email,
      passwordHash,
      roles: [...new Set(input.roles)],
      disabled: false,
      memberId: input.memberId ?? null,
      venueIds: input.venueIds ?? null,
      passwordChangedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await this.tx.run(() => this.users.insert(user));
    } catch (error) {
      if (this.tx.errors.isUniqueViolation(error)) {
        throw new AppError(AuthProblems.emailTaken, 'A user with this email already exists.');
      }
      throw error;
    }
    return toUserDto(user);
  }

  async get(id: string): Promise<UserDto> {
    return toUserDto(await this.require(id));
  }

  /** The caller's own account; API keys (even admin ones) have none. */
  async getOwn(principal: Principal): Promise<UserDto> {
    if (principal.kind !== 'user') {
      throw new AppError(CoreProblems.forbidden, 'Only a signed-in user has an account; API keys do not.');
    }
    return this.get(principal.id);
  }

  async findByEmail(email: string): Promise<UserDto | null> {
    const user = await this.tx.read(() => this.users.findByEmail(email.trim().toLowerCase()));
    return user ? toUserDto(user) : null;
  }

  async list(limit: number, cursor?: string): Promise<Page<UserDto>> {
    const after = cursor ? this.tx.cursors.decode(cursor, { createdAt: 'instant', id: 'id' }) : undefined;
    // An admin listing tolerates the replica's bounded staleness; sign-in and a single user stay on the primary.
    const rows = await this.reader.read(() => this.tx.read(() => this.users.listPage(limit, after)));
    return this.tx.cursors.page(rows, limit, toUserDto, (u) => ({ createdAt: u.createdAt.toISOString(), id: u.id }));
  }

  async update(id: string, patch: UserUpdateDto, actor: UserChangeActor = CLI_ACTOR): Promise<UserDto> {
    let passwordHash: string | undefined;
    if (patch.password !== undefined) {
      const existing = await this.require(id);
      this.passwords.assertAcceptable(patch.password, existing.email);
      passwordHash = await this.passwords.hash(patch.password);
    }
    const user = await this.tx.run(async () => {
      const found = await this.users.findById(id);
      if (!found) throw new AppError(AuthProblems.userNotFound, `No user ${id}.`);
      const now = new Date();
      let endSessions = false;
      if (patch.roles !== undefined) {
        endSessions ||= patch.roles.join() !== found.roles.join();
        found.roles = [...new Set(patch.roles)];
      }
      if (patch.memberId !== undefined) {
        endSessions ||= patch.memberId !== found.memberId;
        found.memberId = patch.memberId;
      }
      if (patch.venueIds !== undefined) {
        endSessions ||= JSON.stringify(patch.venueIds) !== JSON.stringify(found.venueIds);
        found.venueIds = patch.venueIds;
      }
      const disabling = patch.disabled === true && !found.disabled;
      if (patch.disabled !== undefined) {
        endSessions ||= disabling;
        found.disabled = patch.disabled;
      }
      if (passwordHash) {
        found.passwordHash = passwordHash;
        found.passwordChangedAt = now;
        endSessions = true;
      }
      found.updatedAt = now;
      await this.users.save(found);
      // Access tokens carry roles, member and venues: a change must not leave old tokens with other powers.
      if (endSessions) await this.sessions.endAllForUser(found.id);
      if (disabling) await this.events?.userDisabled(toUserDto(found), actor);
      return found;
    });
    return toUserDto(user);
  }

  /**
   * Deletes a user for good. Their sessions end first, in the same transaction, so their access tokens
   * are refused on every instance (the revocations outlive the user row).
   */
  async delete(id: string): Promise<void> {
    await this.tx.run(async () => {
      const found = await this.users.findById(id);
      if (!found) throw new AppError(AuthProblems.userNotFound, `No user ${id}.`);
      await this.sessions.endAllForUser(found.id);
      await this.users.delete(found.id);
    });
  }

  /** Deletes the user with this email (CLI); returns what they were. */
  async deleteByEmail(email: string): Promise<UserDto> {
    const user = await this.requireByEmail(email);
    await this.delete(user.id);
    return toUserDto(user);
  }

  async disableByEmail(email: string): Promise<UserDto> {
    const user = await this.requireByEmail(email);
    return this.update(user.id, { disabled: true });
  }

  /** Sets a new password (a random one when none is given) and ends every session. Returns the password. */
  async resetPassword(email: string, password?: string): Promise<{ user: UserDto; password: string }> {
    const user = await this.requireByEmail(email);
    const newPassword = password ?? generatePassword();
    return { user: await this.update(user.id, { password: newPassword }), password: newPassword };
  }

  /** db:seed: the demo admin, created once with a random password (returned only on creation). */
  async ensureSeedAdmin(email = SEED_ADMIN_EMAIL): Promise<{ user: UserDto; password?: string }> {
    const existing = await this.findByEmail(email);
    if (existing) return { user: existing };
    const password = generatePassword();
    return { user: await this.create({ email, password, roles: ['admin'] }), password };
  }

  private async require(id: string): Promise<UserEntity> {
    const user = await this.tx.read(() => this.users.findById(id));
    if (!user) throw new AppError(AuthProblems.userNotFound, `No user ${id}.`);
    return user;
  }

  private async requireByEmail(email: string): Promise<UserEntity> {
    const user = await this.tx.read(() => this.users.findByEmail(email.trim().toLowerCase()));
    if (!user) throw new AppError(AuthProblems.userNotFound, `No user with email ${email}.`);
    return user;
  }
}

export const SEED_ADMIN_EMAIL = 'admin@aerosports.example';

/** 24 characters from the CSPRNG (~143 bits): for generated admin and reset passwords. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    roles: user.roles,
    disabled: user.disabled,
    memberId: user.memberId,
    venueIds: user.venueIds,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
