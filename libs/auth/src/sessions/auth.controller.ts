import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Public } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { Authenticated } from '../authenticated.decorator';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import { ROLES } from '../principal';
import { LoginDto, LogoutDto, MeDto, PasswordChangeDto, RefreshDto, TokenPairDto } from './auth.dto';
import { SessionsService } from './sessions.service';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly sessions: SessionsService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password; returns an access and a refresh token' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(AuthProblems.invalidCredentials, AuthProblems.loginThrottled)
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokenPairDto> {
    return this.sessions.login(body.email, body.password, ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair; a reused token revokes its session' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(AuthProblems.invalidRefreshToken, AuthProblems.refreshTokenReused)
  refresh(@Body() body: RefreshDto, @Ip() ip: string): Promise<TokenPairDto> {
    return this.sessions.refresh(body.refreshToken, ip);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of this refresh token (its access tokens stop working too)' })
  @ApiNoContentResponse({ description: 'Session ended (or there was none)' })
  logout(@Body() body: LogoutDto): Promise<void> {
    return this.sessions.logout(body.refreshToken);
  }

  @Post('password')
  @HttpCode(200)
  @Authenticated({ roles: [...ROLES], apiKeys: false })
  @ApiOperation({ summary: 'Change your own password; every other session ends, this one continues with new tokens' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(AuthProblems.invalidCredentials, AuthProblems.loginThrottled)
  changePassword(
    @Body() body: PasswordChangeDto,
    @CurrentPrincipal() principal: Principal,
    @Ip() ip: string,
  ): Promise<TokenPairDto> {
    return this.sessions.changeOwnPassword(principal, body.currentPassword, body.newPassword, ip);
  }

  @Get('me')
  @Authenticated({ roles: [...ROLES], scopes: [] })
  @ApiOperation({ summary: 'Who the caller is: a user (roles) or an API key (scopes)' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    const me: MeDto = { kind: principal.kind, id: principal.id, roles: principal.roles, scopes: principal.scopes };
    if (principal.email) me.email = principal.email;
    if (principal.memberId) me.memberId = principal.memberId;
    if (principal.venueIds) me.venueIds = principal.venueIds;
    if (principal.app) me.app = principal.app;
    if (principal.rateLimitPerMinute !== undefined) me.rateLimitPerMinute = principal.rateLimitPerMinute;
    if (principal.monthlyQuota !== undefined) me.monthlyQuota = principal.monthlyQuota;
    return me;
  }
}
