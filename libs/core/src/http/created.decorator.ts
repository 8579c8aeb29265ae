import type { CallHandler, ExecutionContext, NestInterceptor, Type } from '@nestjs/common';
import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';

/** Sets `Location` on a 201 from the created resource (scoped to the create routes that use `@Created`). */
export class LocationInterceptor<T> implements NestInterceptor<T, T> {
  constructor(private readonly locationOf: (created: T) => string) {}

  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    return next.handle().pipe(
      tap((created) => {
        const res = context.switchToHttp().getResponse<Response>();
        if (!res.headersSent && created) res.location(this.locationOf(created));
      }),
    );
  }
}

/**
 * A create operation: documents the 201 with its type, and sends `Location` pointing at the new resource,
 * e.g. `@Created(BookingResponseDto, (b) => `/v1/bookings/${b.id}`)`.
 */
export function Created<T>(type: Type<T>, locationOf: (created: T) => string, description?: string): MethodDecorator {
  return applyDecorators(
    ApiCreatedResponse({ type, ...(description ? { description } : {}) }),
    UseInterceptors(new LocationInterceptor<T>(locationOf)),
  );
}
