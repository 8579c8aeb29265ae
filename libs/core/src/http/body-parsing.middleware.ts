import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';

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
}

/**
 * Station 2b: JSON bodies only (415 otherwise), at most HTTP_BODY_LIMIT_KB (413), well-formed (400).
 * Errors are thrown, not passed to `next`, so the problem+json filter answers them.
 */
@Injectable()
export class BodyParsingMiddleware implements NestMiddleware {
  private readonly parse: RequestHandler;

  constructor(private readonly config: AppConfig) {
    this.parse = express.json({ limit: config.http.bodyLimitBytes, type: JSON_TYPES, strict: true });
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
      case 'entity.parse.failed':
        return new AppError(CoreProblems.malformedJson, 'The request body is not valid JSON.');
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError(CoreProblems.unsupportedMediaType, 'Only UTF-8 JSON bodies are supported.');
      default:
        return new AppError(CoreProblems.badRequest, 'The request body could not be read.');
    }
  }
}
