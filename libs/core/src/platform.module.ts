import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { ShutdownState } from './health/shutdown.state';
import { ProblemsController } from './http/problems.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';

/** Platform routes every deployment has: health probes, metrics, the problem-type catalogue. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController, MetricsController, ProblemsController],
  providers: [MetricsService, ShutdownState],
  exports: [MetricsService, ShutdownState],
})
export class PlatformModule {}
