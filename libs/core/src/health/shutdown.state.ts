import { Injectable } from '@nestjs/common';

/**
 * Whether this process is draining: set by `main.ts` on SIGTERM/SIGINT, before anything closes, so that
 * `/health/ready` answers 503 while the instance still serves and the load balancer moves traffic away.
 */
@Injectable()
export class ShutdownState {
  private since: number | undefined;

  get draining(): boolean {
    return this.since !== undefined;
  }

  /** Milliseconds since the drain began, or undefined while serving normally. */
  get drainingForMs(): number | undefined {
    return this.since === undefined ? undefined : Date.now() - this.since;
  }

  begin(): void {
    this.since ??= Date.now();
  }
}
