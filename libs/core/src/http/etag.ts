import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { UseInterceptors } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { tap } from 'rxjs';

/**
 * A weak ETag (RFC 9110 §8.8.3) built from what identifies a stored row's state, so no body is hashed.
 * Weak because the JSON may differ byte for byte between two reads of the same row (derived fields such
 * as a member's age); If-None-Match compares weakly, so a 304 still comes back.
 */
export function weakEtag(...parts: Array<string | number>): string {
  return `W/"${parts.join('-')}"`;
}

/** The weak ETag of a row that carries `id` + `updatedAt` (ISO string): `W/"<updatedAt ms base 36>-<id>"`. */
export function updatedAtEtag(resource: { id: string; updatedAt: string }): string | undefined {
  const ms = Date.parse(resource.updatedAt);
  return Number.isNaN(ms) ? undefined : weakEtag(ms.toString(36), resource.id);
}

/** Sets the ETag from the returned resource's `id` + `updatedAt` before Express would hash the body. */
export class UpdatedAtEtagInterceptor<T extends { id: string; updatedAt: string }> implements NestInterceptor<T, T> {
  intercept(context: ExecutionContext, next: CallHandler<T>): Observable<T> {
    return next.handle().pipe(
      tap((resource) => {
        const res = context.switchToHttp().getResponse<Response>();
        const tag = resource && !res.headersSent ? updatedAtEtag(resource) : undefined;
        if (tag) res.setHeader('ETag', tag);
      }),
    );
  }
}

const updatedAtEtagInterceptor = new UpdatedAtEtagInterceptor();

/**
 * A read whose resource's every field lives in its row and moves its `updatedAt`: the ETag comes from
 * `updatedAt` + `id` instead of a hash of the body. Only for resources with no derived or
 * separately-written fields (a `lastUsedAt` written without touching `updatedAt` would make it stale).
 */
export function UpdatedAtEtag(): MethodDecorator {
  return UseInterceptors(updatedAtEtagInterceptor);
}
