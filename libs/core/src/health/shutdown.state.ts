import { Injectable } from '@nestjs/common';

/**
 * Whether this process is draining: set by `main.ts` on SIGTERM/SIGINT, before anything closes, so that
 * `/health/ready` answers 503 while the instance still serves and the load balancer moves traffic away.
 * Once the drain delay is over (`closing`) the app shuts its modules down, and a request still arriving is
 * refused with 503 `service-draining` instead of meeting a half-closed instance.
 */
@Injectable()
export class ShutdownState {
  private since: number | undefined;
  private closingSince: number | undefined;

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

  /** True from the end of the drain delay on: requests are refused (DrainingMiddleware), probes still answer. */
  get closing(): boolean {
    return this.closingSince !== undefined;
  }

  /** The drain delay is over: no new requests from now on. Implies `begin()`. */
  close(): void {
    this.begin();
    this.closingSince ??= Date.now();
  }
}
