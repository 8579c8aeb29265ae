import { Body, Controller, Get, Headers, HttpCode, Ip, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiProblems, Public } from '@aero/core';
import { AuthProblems } from '../auth.errors';
import { Authenticated } from '../authenticated.decorator';
import { CurrentPrincipal } from '../current-principal.decorator';
import type { Principal } from '../principal';
import { ROLES } from '../principal';
import { LoginDto, LoginResponseDto, LogoutDto, MeDto, PasswordChangeDto, RefreshDto, TokenPairDto } from './auth.dto';
import { DEVICE_COOKIE, DEVICE_HEADER, KNOWN_DEVICE_DAYS } from './login-throttle';
import { SessionsService } from './sessions.service';

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class AuthController {
  constructor(private readonly sessions: SessionsService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password; returns an access and a refresh token' })
  @ApiHeader({
    name: DEVICE_HEADER,
    required: false,
    description:
      'The `deviceToken` of an earlier sign-in to this account (browsers send the `aero_device` cookie instead): a device that signed in within 30 days is not locked by failures from other addresses',
  })
  @ApiOkResponse({
    type: LoginResponseDto,
    headers: {
      'Set-Cookie': {
        description: `\`${DEVICE_COOKIE}\`: the device token (HttpOnly, Secure, SameSite=Strict, Path=/v1/auth, ${KNOWN_DEVICE_DAYS} days)`,
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblems(AuthProblems.invalidCredentials, AuthProblems.loginThrottled)
  async login(
    @Body() body: LoginDto,
    @Ip() ip: string,
    @Headers('x-device-token') header: string | undefined,
    @Headers('cookie') cookie: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResponseDto> {
    const presented = typeof header === 'string' && header ? header : cookieValue(cookie, DEVICE_COOKIE);
    const result = await this.sessions.login(body.email, body.password, ip, presented);
    res.cookie(DEVICE_COOKIE, result.deviceToken, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/v1/auth',
      maxAge: KNOWN_DEVICE_DAYS * 86_400_000,
    });
    return result;
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

/** One cookie's value from a `Cookie` header (no cookie parser runs for the API's other routes). */
function cookieValue(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
