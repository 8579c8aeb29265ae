import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Created, Idempotent } from '@aero/core';
import type { Principal } from '@aero/auth';
import { Authenticated, CurrentPrincipal, uuidParam } from '@aero/auth';
import {
  WebhookDeliveryDto,
  WebhookDeliveryListQueryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointCreateDto,
  WebhookEndpointCreatedDto,
  WebhookEndpointDto,
  WebhookEndpointListQueryDto,
  WebhookEndpointPageDto,
  WebhookEndpointUpdateDto,
  WebhookRotateSecretDto,
} from './webhook.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookProblems } from './webhooks.errors';

/** Webhook endpoints: admins, and API keys with `webhooks:write` (which see only the endpoints they created). */
@ApiTags('webhooks')
@Authenticated({ scopes: ['webhooks:write'] })
@Controller({ path: 'webhook-endpoints', version: '1' })
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  // Not @Idempotent(): the answer carries the signing secret, and stored answers are kept in clear.
  @Post()
  @ApiOperation({ summary: 'Create a webhook endpoint; its signing secret is in this response only' })
  @Created(WebhookEndpointCreatedDto, (e) => `/v1/webhook-endpoints/${e.id}`)
  @ApiProblems(WebhookProblems.targetRefused)
  create(@Body() body: WebhookEndpointCreateDto, @CurrentPrincipal() principal: Principal): Promise<WebhookEndpointCreatedDto> {
    return this.endpoints.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints, oldest first (never their secrets)' })
  @ApiOkResponse({ type: WebhookEndpointPageDto })
  list(@Query() query: WebhookEndpointListQueryDto, @CurrentPrincipal() principal: Principal): Promise<WebhookEndpointPageDto> {
    return this.endpoints.list(principal, query.limit ?? 20, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a webhook endpoint: its health (failingSince, disabledReason) and rotation state' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(WebhookProblems.endpointNotFound)
  get(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookEndpointDto> {
    return this.endpoints.get(id, principal);
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ summary: 'Change URL, types, venues, description or enabled' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiProblems(WebhookProblems.endpointNotFound, WebhookProblems.targetRefused)
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: WebhookEndpointUpdateDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(id, body, principal);
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook endpoint and its delivery log' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(WebhookProblems.endpointNotFound)
  remove(@Param('id', uuidParam('id')) id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.endpoints.remove(id, principal);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({ summary: 'New signing secret (in this response only); the old one is still sent for the grace period' })
  @Created(WebhookEndpointCreatedDto, (e) => `/v1/webhook-endpoints/${e.id}`)
  @ApiProblems(WebhookProblems.endpointNotFound)
  rotateSecret(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: WebhookRotateSecretDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookEndpointCreatedDto> {
    return this.endpoints.rotateSecret(id, principal, body.gracePeriodHours);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "An endpoint's deliveries, newest first, each with every attempt" })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiProblems(WebhookProblems.endpointNotFound)
  deliveries(
    @Param('id', uuidParam('id')) id: string,
    @Query() query: WebhookDeliveryListQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDeliveryPageDto> {
    return this.endpoints.deliveries(id, principal, query.limit ?? 20, query.cursor, query.status);
  }

  @Post(':id/deliveries/:deliveryId/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery again now (also one that failed for good)' })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'Due now: the dispatcher sends it on its next round' })
  @ApiProblems(WebhookProblems.endpointNotFound, WebhookProblems.deliveryNotFound, WebhookProblems.deliveryInFlight)
  retry(
    @Param('id', uuidParam('id')) id: string,
    @Param('deliveryId', uuidParam('deliveryId')) deliveryId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDeliveryDto> {
    return this.endpoints.retry(id, deliveryId, principal);
  }
}
