import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateOrInstant } from '@aero/core';
import { IsIn, IsOptional } from 'class-validator';
import { ANOMALY_REASONS } from './anomalies';
import type { AnomalyReasonCode } from './anomalies';
import type { Granularity } from './rollup';
import { PRINCIPAL_KINDS } from './usage-record';
import type { PrincipalKind } from './usage-record';

export const GRANULARITIES = ['hour', 'day'] as const;

export class UsageQueryDto {
  /** Start of the range (ISO 8601), rounded down to its hour (or UTC day); default 24 hours (per hour) or 30 days (per day) before `to`. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  /** End of the range (ISO 8601, exclusive), rounded up to the end of its hour (or UTC day); default now. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-02T00:00:00Z' })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;

  /** Bucket size of `series`: at most 31 days per hour, 400 days per day. */
  @ApiPropertyOptional({ enum: GRANULARITIES, default: 'hour' })
  @IsOptional()
  @IsIn(GRANULARITIES)
  granularity?: Granularity;
}

export class UsageSummaryQueryDto {
  /** Start of the range (ISO 8601), rounded down to its hour; default 24 hours before `to`. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateOrInstant()
  from?: string;

  /** End of the range (ISO 8601, exclusive), rounded up to the end of its hour; default now; at most 31 days after `from`. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-02T00:00:00Z' })
  @IsOptional()
  @IsDateOrInstant()
  to?: string;
}

export class UsageStatusesDto {
  @ApiProperty({ name: '1xx', example: 0 })
  '1xx': number;
  @ApiProperty({ name: '2xx', example: 1180 })
  '2xx': number;
  @ApiProperty({ name: '3xx', example: 0 })
  '3xx': number;
  @ApiProperty({ name: '4xx', example: 52 })
  '4xx': number;
  @ApiProperty({ name: '5xx', example: 2 })
  '5xx': number;
}

export class UsageCountsDto {
  @ApiProperty({ example: 1234 })
  requests: number;
  /** Responses with status 4xx or 5xx (429s included). */
  @ApiProperty({ example: 54 })
  errors: number;
  /** Responses with status 4xx. */
  @ApiProperty({ example: 52 })
  clientErrors: number;
  /** Responses with status 5xx. */
  @ApiProperty({ example: 2 })
  serverErrors: number;
  /** Refused by a rate limit or quota (429). */
  @ApiProperty({ example: 7 })
  throttled: number;
  /** Answered from the idempotency store (`Idempotent-Replayed: true`). */
  @ApiProperty({ example: 3 })
  replayed: number;
  /** Bytes of response bodies (Content-Length). */
  @ApiProperty({ example: 512000 })
  responseBytes: number;
  /** Median latency in ms (exact within an hour and route; count-weighted across them). */
  @ApiProperty({ example: 4.2 })
  latencyP50Ms: number;
  /** 95th percentile latency in ms (exact within an hour and route; count-weighted across them). */
  @ApiProperty({ example: 18.5 })
  latencyP95Ms: number;
}

export class UsageTotalsDto extends UsageCountsDto {
  /** errors / requests, 0–1. */
  @ApiProperty({ example: 0.0438 })
  errorRate: number;
  /** throttled / requests, 0–1. */
  @ApiProperty({ example: 0.0057 })
  throttleRate: number;
  @ApiProperty({ type: UsageStatusesDto })
  statuses: UsageStatusesDto;
}

export class UsageBucketDto extends UsageCountsDto {
  /** Start of the hour or UTC day. */
  @ApiProperty({ format: 'date-time', example: '2026-12-01T10:00:00.000Z' })
  start: string;
}

export class UsageRouteDto {
  @ApiProperty({ example: 'GET' })
  method: string;
  /** Route template, never the raw path; `unmatched` for paths no route matched. */
  @ApiProperty({ example: '/v1/sessions/:id/availability' })
  route: string;
  @ApiProperty({ example: 800 })
  requests: number;
  @ApiProperty({ example: 12 })
  errors: number;
  @ApiProperty({ example: 0 })
  throttled: number;
}

export class UsagePrincipalRefDto {
  @ApiProperty({ enum: PRINCIPAL_KINDS, example: 'apiKey' })
  kind: PrincipalKind;
  /** API key id or user id; empty for anonymous requests. */
  @ApiProperty({ example: '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b' })
  id: string;
}

export class UsageReportDto {
  /** Whose usage this is. */
  @ApiProperty({ type: UsagePrincipalRefDto })
  principal: UsagePrincipalRefDto;
  /** Start of the range actually reported (whole hours or UTC days). */
  @ApiProperty({ format: 'date-time' })
  from: string;
  /** End of the range actually reported (exclusive). */
  @ApiProperty({ format: 'date-time' })
  to: string;
  @ApiProperty({ enum: GRANULARITIES })
  granularity: Granularity;
  @ApiProperty({ type: UsageTotalsDto })
  totals: UsageTotalsDto;
  /** One bucket per hour or day of the range, empty ones included. */
  @ApiProperty({ type: [UsageBucketDto] })
  series: UsageBucketDto[];
  /** The busiest routes (up to 20). */
  @ApiProperty({ type: [UsageRouteDto] })
  routes: UsageRouteDto[];
}

export class UsageAnomalyReasonDto {
  @ApiProperty({ enum: ANOMALY_REASONS, example: 'errorRate' })
  code: AnomalyReasonCode;
  /** The last hour's value: requests (volume), a rate 0–1 (errorRate, throttleRate) or distinct addresses (clientIps). */
  @ApiProperty({ example: 0.96 })
  observed: number;
  /** The same measure over the principal's previous 24 hours. */
  @ApiProperty({ example: 0.02 })
  baseline: number;
  @ApiProperty({ example: '96% of 250 requests failed (4xx/5xx) in the last hour, against 2% before' })
  message: string;
}

export class UsageAnomalyDto {
  @ApiProperty({ type: UsagePrincipalRefDto })
  principal: UsagePrincipalRefDto;
  /** The app of an API key; empty otherwise. */
  @ApiProperty({ example: 'kiosk' })
  app: string;
  /** Requests in the last hour. */
  @ApiProperty({ example: 250 })
  requests: number;
  @ApiProperty({ type: [UsageAnomalyReasonDto] })
  reasons: UsageAnomalyReasonDto[];
}

export class UsagePrincipalLineDto {
  @ApiProperty({ type: UsagePrincipalRefDto })
  principal: UsagePrincipalRefDto;
  @ApiProperty({ example: 'kiosk' })
  app: string;
  @ApiProperty({ example: 1200 })
  requests: number;
  @ApiProperty({ example: 30 })
  errors: number;
  @ApiProperty({ example: 4 })
  throttled: number;
  @ApiProperty({ example: 0.025 })
  errorRate: number;
  @ApiProperty({ example: 0.0033 })
  throttleRate: number;
  @ApiProperty({ example: 21.3 })
  latencyP95Ms: number;
}

export class UsageSummaryDto {
  @ApiProperty({ format: 'date-time' })
  from: string;
  @ApiProperty({ format: 'date-time' })
  to: string;
  @ApiProperty({ type: UsageTotalsDto })
  totals: UsageTotalsDto;
  /** Principals with at least one request in the range (anonymous counts as one). */
  @ApiProperty({ example: 42 })
  principals: number;
  /** The ten busiest principals. */
  @ApiProperty({ type: [UsagePrincipalLineDto] })
  topPrincipals: UsagePrincipalLineDto[];
  /** The ten busiest routes. */
  @ApiProperty({ type: [UsageRouteDto] })
  routes: UsageRouteDto[];
  /** Principals whose last hour is far above their own baseline, with the reasons. */
  @ApiProperty({ type: [UsageAnomalyDto] })
  anomalies: UsageAnomalyDto[];
  /** When the anomalies were evaluated (the last hour ends here). */
  @ApiProperty({ format: 'date-time' })
  anomaliesEvaluatedAt: string;
}
