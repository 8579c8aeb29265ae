import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig, AppError, CoreProblems, RateLimiterService, TransactionService, ValidationProblem } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import type { Principal } from '../principal';
import { TokenService } from '../tokens/token.service';
import type { UserEntity } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { PasswordService } from '../passwords/password.service';
import type { LoginResponseDto, TokenPairDto } from './auth.dto';
import { LoginThrottle } from './login-throttle';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionRevocations } from './session-revocations';

type RefreshOutcome =
  | { kind: 'ok'; pair: TokenPairDto }
  | { kind: 'invalid' }
  | { kind: 'reused'; familyId: string };

/**
 * Sign-in and sessions. A session is a family of refresh tokens: each refresh rotates the token; a token
 * presented twice revokes the family (RFC 9700 theft detection).
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottle,
    private readonly revocations: SessionRevocations,
    @Optional() private readonly rateLimits?: RateLimiterService,
  ) {}

  /**
   * Checks the credentials and starts a session. Failures never say which part was wrong. `deviceToken` (from
   * an earlier sign-in to this account) exempts this device from the account-wide lock; a fresh one is returned.
   */
  async login(email: string, password: string, clientIp: string, deviceToken?: string): Promise<LoginResponseDto> {
    const normalized = email.trim().toLowerCase();
    const attempt = await this.throttle.begin(normalized, clientIp, Date.now(), deviceToken);
    let user: UserEntity | null;
    let ok: boolean;
    try {
      user = await this.tx.read(() => this.users.findByEmail(normalized));
      ok = user ? await this.passwords.verify(user.passwordHash, password) : await this.passwords.verifyDummy(password);
    } catch (error) {
      // The database did not answer (a classified 5xx: unavailable, breaker open, deadline): nothing was decided
      // about the password, so nothing is counted. Anything unexpected stays counted, as a failure would be.
      if (error instanceof AppError && error.status >= 500) await attempt.abandoned();
      throw error;
    }
    if (!user || !ok || user.disabled) {
      this.logger.warn({ userId: user?.id }, 'sign-in failed');
      throw new AppError(AuthProblems.invalidCredentials, 'The email or password is incorrect.');
    }
    const device = await attempt.succeeded();
    return { ...(await this.tx.run(() => this.startSession(user))), deviceToken: device };
  }

  /** Starts a new session for a user already authenticated by other means (tests, CLI). */
  async issueForUserId(userId: string): Promise<TokenPairDto> {
    return this.tx.run(async () => {
      const user = await this.users.findById(userId);
      if (!user || user.disabled) throw new AppError(AuthProblems.invalidCredentials);
      return this.startSession(user);
    });
  }

  /** Rotates a refresh token. An unknown or reused token spends the client IP's failed-credentials budget. */
  async refresh(refreshToken: string, clientIp?: string): Promise<TokenPairDto> {
    const tokenHash = this.tokens.hashRefreshToken(refreshToken);
    const outcome = await this.tx.run(async (): Promise<RefreshOutcome> => {
      const now = new Date();
      const current = await this.refreshTokens.findByHash(tokenHash);
      if (!current || current.revokedAt || current.expiresAt.getTime() <= now.getTime()) return { kind: 'invalid' };
      if (current.usedAt || !(await this.refreshTokens.markUsed(current.id, now))) {
        await this.refreshTokens.revokeFamily(current.familyId, now);
        await this.revocations.end(current.userId, [current.familyId], now.getTime());
        return { kind: 'reused', familyId: current.familyId };
      }
      const user = await this.users.findById(current.userId);
      if (!user || user.disabled) {
        await this.refreshTokens.revokeFamily(current.familyId, now);
        await this.revocations.end(current.userId, [current.familyId], now.getTime());
        return { kind: 'invalid' };
      }
      // The session keeps its absolute end: rotation never extends it past JWT_REFRESH_TTL_SECONDS from sign-in.
      return { kind: 'ok', pair: await this.issue(user, current.familyId, now, current.expiresAt) };
    });
    if (outcome.kind === 'reused') {
      this.logger.warn({ sessionId: outcome.familyId }, 'refresh token reused: session revoked');
      await this.rateLimits?.countFailedCredential(clientIp);
      throw new AppError(AuthProblems.refreshTokenReused);
    }
    if (outcome.kind === 'invalid') {
      await this.rateLimits?.countFailedCredential(clientIp);
      throw new AppError(AuthProblems.invalidRefreshToken);
    }
    return outcome.pair;
  }

  /** Ends the session of this refresh token. Unknown tokens are ignored (nothing to end, nothing to tell). */
  async logout(refreshToken: string): Promise<void> {
    const tokenHash = this.tokens.hashRefreshToken(refreshToken);
    await this.tx.run(async () => {
      const current = await this.refreshTokens.findByHash(tokenHash);
      // A session already ended was recorded when it ended.
      if (!current || current.revokedAt) return;
      const now = new Date();
      await this.refreshTokens.revokeFamily(current.familyId, now);
      await this.revocations.end(current.userId, [current.familyId], now.getTime());
    });
  }

  /**
   * A signed-in user changes their own password: the current one must be right (failures count towards
   * the sign-in throttle), every session ends, and a fresh session is returned for this device.
   */
  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string, clientIp: string): Promise<TokenPairDto> {
    if (principal.kind !== 'user') throw new AppError(CoreProblems.forbidden, 'Only a signed-in user has a password.');
    const user = await this.tx.read(() => this.users.findById(principal.id));
    if (!user || user.disabled) throw new AppError(AuthProblems.invalidCredentials);
    const attempt = await this.throttle.begin(user.email, clientIp);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      throw new ValidationProblem([{ field: 'currentPassword', message: 'is incorrect' }]);
    }
    await attempt.succeeded();
    this.passwords.assertAcceptable(newPassword, user.email, 'newPassword');
    const passwordHash = await this.passwords.hash(newPassword);
    return this.tx.run(async () => {
      const now = new Date();
      const current = await this.users.findById(user.id);
      if (!current || current.disabled) throw new AppError(AuthProblems.invalidCredentials);
      current.passwordHash = passwordHash;
      current.passwordChangedAt = now;
      current.updatedAt = now;
      await this.users.save(current);
      await this.endAllForUser(current.id);
      return this.startSession(current);
    });
  }

  /** Ends every session of a user (password change, disable, deletion). Call inside the transaction of the change. */
  async endAllForUser(userId: string): Promise<void> {
    const now = new Date();
    const families = await this.refreshTokens.revokeAllForUser(userId, now);
    await this.revocations.end(userId, families, now.getTime());
  }

  private startSession(user: UserEntity): Promise<TokenPairDto> {
    return this.issue(user, randomUUID(), new Date());
  }

  private async issue(user: UserEntity, familyId: string, now: Date, sessionEndsAt?: Date): Promise<TokenPairDto> {
    const refreshToken = this.tokens.newRefreshToken();
    const row = new RefreshTokenEntity();
    row.id = randomUUID();
    row.userId = user.id;
    row.familyId = familyId;
    row.tokenHash = this.tokens.hashRefreshToken(refreshToken);
    row.createdAt = now;
    row.expiresAt = sessionEndsAt ?? new Date(now.getTime() + this.config.jwt.refreshTtlSeconds * 1000);
    row.usedAt = null;
    row.revokedAt = null;
    await this.refreshTokens.insert(row);
    const accessToken = this.tokens.signAccessToken({
      userId: user.id,
      sessionId: familyId,
      roles: user.roles,
      email: user.email,
      memberId: user.memberId,
      venueIds: user.venueIds,
    });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.tokens.accessTtlSeconds };
  }
}
