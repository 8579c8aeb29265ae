import { Controller, Get, Optional, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TransactionService } from '../database/transaction.service';
import { ApiProblems } from '../http/api-problems.decorator';
import { Public } from '../http/public.decorator';
import { HealthDto } from './health.dto';
import { SkipRateLimit } from '../rate-limit/rate-limit.decorators';
import { RateLimitStorage } from '../rate-limit/rate-limit.storage';

/** Probes for load balancers and orchestrators. Not versioned, not authenticated, not rate limited. */
@ApiTags('platform')
@Public()
@SkipRateLimit()
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly tx: TransactionService,
    @Optional() private readonly rateLimits?: RateLimitStorage,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  @ApiOkResponse({ type: HealthDto })
  live(): HealthDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: the database answers and its circuit breaker is not open; 503 otherwise' })
  @ApiOkResponse({ type: HealthDto })
  @ApiProblems(503)
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      // Reported before the ping, which would itself let the breaker's probe through.
      () => {
        const check = this.indicators.check('circuitBreaker');
        const state = this.tx.breaker.state;
        return state === 'open' || state === 'isolated' ? check.down({ state }) : check.up({ state });
      },
      () => this.db.pingCheck('database', { timeout: 3000 }),
      // Informational, never failing readiness: limits still apply per instance while Redis is down.
      () => ({ rateLimits: { status: 'up' as const, sharing: this.rateLimits?.sharing ?? 'local' } }),
    ]);
  }
}
