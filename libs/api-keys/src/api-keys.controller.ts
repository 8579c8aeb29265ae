import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Idempotent, Created } from '@aero/core';
import { ApiKeyProblems } from './api-keys.errors';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal, uuidParam } from '@aero/auth';
import {
  ApiKeyCreateDto,
  ApiKeyCreatedDto,
  ApiKeyDto,
  ApiKeyListQueryDto,
  ApiKeyPageDto,
  ApiKeyRotateDto,
  ApiKeyUpdateDto,
} from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

/** API key management (admin only). */
@ApiTags('api-keys')
@Authenticated()
@Controller({ path: 'api-keys', version: '1' })
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @Created(ApiKeyCreatedDto, (k) => `/v1/api-keys/${k.id}`)
  create(@Body() body: ApiKeyCreateDto, @CurrentPrincipal() principal: Principal): Promise<ApiKeyCreatedDto> {
    return this.apiKeys.create(body, actor(principal));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, oldest first (never the keys themselves)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@Query() query: ApiKeyListQueryDto): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(query.limit ?? 20, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an API key' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblems(ApiKeyProblems.notFound)
  get(@Param('id', uuidParam('id')) id: string): Promise<ApiKeyDto> {
    return this.apiKeys.get(id);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Change name, scopes, expiry, enabled, rate limit or venues (effective at once)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiProblems(ApiKeyProblems.notFound)
  update(@Param('id', uuidParam('id')) id: string, @Body() body: ApiKeyUpdateDto): Promise<ApiKeyDto> {
    return this.apiKeys.update(id, body);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; the next request with it fails' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblems(ApiKeyProblems.notFound)
  revoke(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.apiKeys.revoke(id, actor(principal));
  }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Issue a new key with the same settings; the old one works until the grace period ends' })
  @Created(ApiKeyCreatedDto, (k) => `/v1/api-keys/${k.id}`)
  @ApiProblems(ApiKeyProblems.notFound, ApiKeyProblems.notRotatable)
  rotate(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: ApiKeyRotateDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApiKeyCreatedDto> {
    return this.apiKeys.rotate(id, body.gracePeriodSeconds, actor(principal));
  }
}

function actor(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}
