import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import type { JsonLimitExceeded, JsonLimits } from './json-limits';
import { exceedsJsonLimits } from './json-limits';

const JSON_TYPES = ['application/json', 'application/*+json'];
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  exceeded?: JsonLimitExceeded;
}

/** Thrown from body-parser's `verify` hook (which runs on the raw bytes, before JSON.parse). */
class RawBodyRefused extends Error {
  constructor(
    readonly type: 'json.too.complex' | 'charset.unsupported',
    readonly exceeded?: JsonLimitExceeded,
  ) {
    super(type);
  }
}

/**
 * Station 2b: JSON bodies only (415 otherwise), at most HTTP_BODY_LIMIT_KB (413), UTF-8, within
 * HTTP_JSON_MAX_DEPTH / HTTP_JSON_MAX_ELEMENTS (400 json-too-complex, found by a linear scan of the raw
 * bytes before JSON.parse or validation recurse into them), well-formed (400).
 * Errors are thrown, not passed to `next`, so the problem+json filter answers them.
 */
@Injectable()
export class BodyParsingMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;
  private readonly limits: JsonLimits;

  constructor(private readonly config: AppConfig) {
    this.limits = { maxDepth: config.http.jsonMaxDepth, maxElements: config.http.jsonMaxElements };
    this.parse = express.json({
      limit: config.http.bodyLimitBytes,
      type: JSON_TYPES,
      strict: true,
      verify: (_req, _res, bytes, encoding) => {
        // The scan reads UTF-8 bytes; other encodings (body-parser accepts any utf-*) could hide brackets.
        if (encoding !== 'utf-8' && encoding !== 'utf8') throw new RawBodyRefused('charset.unsupported');
        const exceeded = exceedsJsonLimits(bytes, this.limits);
        if (exceeded) throw new RawBodyRefused('json.too.complex', exceeded);
      },
    });
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody(req)) return next();
    const contentType = req.headers['content-type'];
    if (!contentType || !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
      throw new AppError(
        CoreProblems.unsupportedMediaType,
        `Content-Type ${contentType ? `'${contentType.split(';')[0]}'` : '(none)'} is not supported; send application/json.`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      this.parse(req, res, (error?: unknown) => (error ? reject(this.toProblem(error)) : resolve()));
    });
    next();
  }

  private toProblem(error: unknown): AppError {
    const { type } = error as BodyParserError;
    switch (type) {
      case 'entity.too.large':
        return new AppError(
          CoreProblems.payloadTooLarge,
          `The body exceeds the limit of ${this.config.http.bodyLimitBytes / 1024} kB.`,
          { limitBytes: this.config.http.bodyLimitBytes },
        );
      case 'json.too.complex': {
        const { maxDepth, maxElements } = this.limits;
        const detail =
          (error as BodyParserError).exceeded === 'depth'
            ? `The body nests arrays/objects deeper than ${maxDepth} levels.`
            : `The body holds more than ${maxElements} array elements and object members.`;
        return new AppError(CoreProblems.jsonTooComplex, detail, {
          maxDepth,
          maxElements,
          errors: [{ field: 'body', message: detail }],
        });
      }
      case 'entity.parse.failed':
        return new AppError(CoreProblems.malformedJson, 'The request body is not valid JSON.', {
          errors: [{ field: 'body', message: 'is not valid JSON' }],
        });
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError(CoreProblems.unsupportedMediaType, 'Only UTF-8 JSON bodies are supported.');
      default:
        return new AppError(CoreProblems.badRequest, 'The request body could not be read.', {
          errors: [{ field: 'body', message: 'could not be read' }],
        });
    }
  }
}
