import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitStorageModule } from '@aero/core';
import { PasswordService } from './passwords/password.service';
import { AuthController } from './sessions/auth.controller';
import { LoginThrottle } from './sessions/login-throttle';
import { RefreshTokenEntity } from './sessions/refresh-token.entity';
import { RefreshTokensRepository } from './sessions/refresh-tokens.repository';
import { SessionRevocationEntity } from './sessions/session-revocation.entity';
import { SessionRevocations } from './sessions/session-revocations';
import { SessionRevocationsRepository } from './sessions/session-revocations.repository';
import { SessionsService } from './sessions/sessions.service';
import { JwtStrategy } from './strategies/jwt.strategy';
import { TokenService } from './tokens/token.service';
import { UserEntity } from './users/user.entity';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * Users, passwords and JWT sessions. `AuthenticationGuard` is registered globally by the API app, which
 * also imports ApiKeysModule for the `api-key` passport strategy; the `jwt` one is here.
 */
@Module({
  // RateLimitStorageModule: sign-in throttling counts on the shared rate-limit storage.
  imports: [TypeOrmModule.forFeature([UserEntity, RefreshTokenEntity, SessionRevocationEntity]), RateLimitStorageModule],
  controllers: [AuthController, UsersController],
  providers: [
    UsersRepository,
    RefreshTokensRepository,
    UsersService,
    SessionsService,
    PasswordService,
    TokenService,
    LoginThrottle,
    SessionRevocations,
    SessionRevocationsRepository,
    JwtStrategy,
  ],
  exports: [UsersService, SessionsService, TokenService, SessionRevocations, JwtStrategy],
})
export class AuthModule {}
