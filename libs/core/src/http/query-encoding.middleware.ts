import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import type { FieldError } from './input-inspection';

const MESSAGE = 'is not valid percent-encoded UTF-8';

/** Decodes one `application/x-www-form-urlencoded` name or value, or undefined when it is not valid UTF-8. */
function decodeComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The query parameters whose percent-encoding is broken (`%E9`, a Latin-1 `é`; `%ED%A0%80`, a surrogate;
 * `%zz`, no escape at all), or an empty list. The query parser would read `%E9` as U+FFFD and `%zz` as
 * the three characters, so a search or a stored value would silently differ from what the client meant.
 */
export function brokenQueryParameters(url: string): FieldError[] {
  const start = url.indexOf('?');
  if (start === -1 || url.indexOf('%', start) === -1) return [];
  const broken: FieldError[] = [];
  for (const pair of url.slice(start + 1).split('&')) {
    if (!pair.includes('%')) continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const name = decodeComponent(rawName);
    const valueOk = equals === -1 || decodeComponent(pair.slice(equals + 1)) !== undefined;
    // A name that cannot be decoded is named as sent (it is ASCII: the URL is), cut short.
    if (name === undefined || !valueOk) broken.push({ field: name ?? rawName.slice(0, 64), message: MESSAGE });
  }
  return broken;
}

/**
 * Station 2a: a query string is what the client sent, or 400 invalid-encoding naming each parameter whose
 * percent-encoding is not UTF-8. (A path segment that does not decode is refused by the router the same
 * way; a body by BodyParsingMiddleware.)
 */
@Injectable()
export class QueryEncodingMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const broken = brokenQueryParameters(req.originalUrl ?? req.url);
    if (broken.length > 0) {
      throw new AppError(
        CoreProblems.invalidEncoding,
        `${broken.map((e) => e.field).join(', ')}: ${MESSAGE}; nothing was processed.`,
        { errors: broken },
      );
    }
    next();
  }
}
