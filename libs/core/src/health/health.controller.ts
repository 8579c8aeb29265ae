import { Controller, Get, Optional, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TransactionService } from '../database/transaction.service';
import { ApiProblems } from '../http/api-problems.decorator';
import { Public } from '../http/public.decorator';
import { HealthDto } from './health.dto';
import { ShutdownState } from './shutdown.state';
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
    private readonly shutdown: ShutdownState,
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
  @ApiOperation({
    summary:
      'Readiness: the database answers, its circuit breaker is not open and the instance is not draining; 503 otherwise',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiProblems(503)
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      // First, and without touching the database: a draining instance (SIGTERM) leaves the load balancer's
      // rotation while it still answers the requests that reach it.
      () => {
        const check = this.indicators.check('shutdown');
        return this.shutdown.draining
          ? check.down({ draining: true, drainingForMs: this.shutdown.drainingForMs })
          : check.up({ draining: false });
      },
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
