import type { NestMiddleware } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import type { JsonLimitExceeded, JsonLimits } from './json-limits';
import { JsonLimitScanner } from './json-limits';
import { InvalidUtf8Error, Utf8StreamDecoder } from './utf8';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Station 2b: JSON bodies only (415 otherwise), uncompressed UTF-8, at most HTTP_BODY_LIMIT_KB (413),
 * within HTTP_JSON_MAX_DEPTH / HTTP_JSON_MAX_ELEMENTS (400 json-too-complex), valid UTF-8 (400
 * invalid-encoding: never a U+FFFD in place of a byte the client sent), well-formed (400).
 *
 * The body is read here rather than by body-parser so that the limits are checked on each chunk as it
 * arrives: a body past a limit is answered at once, at the chunk that breaks it, and the rest is drained
 * unread (never buffered, scanned or parsed). JSON.parse and validation only ever see text within the
 * limits. Errors are thrown, not passed to `next`, so the problem+json filter answers them.
 */
@Injectable()
export class BodyParsingMiddleware implements NestMiddleware {
  private readonly limits: JsonLimits;
  private readonly limitBytes: number;
  private readonly readTimeoutMs: number;

  constructor(private readonly config: AppConfig) {
    this.limits = { maxDepth: config.http.jsonMaxDepth, maxElements: config.http.jsonMaxElements };
    this.limitBytes = config.http.bodyLimitBytes;
    this.readTimeoutMs = config.http.bodyReadTimeoutMs;
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!METHODS_WITH_BODY.has(req.method) || !hasBody(req)) return next();
    this.checkHeaders(req);
    const text = await this.read(req, res);
    req.body = parse(text);
    next();
  }

  /** What can be refused before a byte of the body is read. */
  private checkHeaders(req: Request): void {
    const contentType = req.headers['content-type'];
    if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
      throw new AppError(
        CoreProblems.unsupportedMediaType,
        `Content-Type ${contentType ? `'${contentType.split(';')[0]}'` : '(none)'} is not supported; send application/json.`,
      );
    }
    const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new AppError(CoreProblems.unsupportedMediaType, 'Only UTF-8 JSON bodies are supported.');
    }
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      // A compressed body would be a way around the byte limit (a few kB inflating to gigabytes).
      throw new AppError(
        CoreProblems.unsupportedMediaType,
        `Content-Encoding '${encoding}' is not supported; send the body uncompressed.`,
      );
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.limitBytes) throw this.tooLarge();
  }

  /**
   * The body as text, refused at the first chunk past the byte, depth or element limit, or when it has not
   * all arrived HTTP_BODY_READ_TIMEOUT_MS after the headers.
   */
  private read(req: Request, res: Response): Promise<string> {
    const scanner = new JsonLimitScanner(this.limits);
    const decoder = new Utf8StreamDecoder();
    let received = 0;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.hangUp(req, res);
        reject(this.tooSlow(received));
      }, this.readTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
        req.off('aborted', onError);
      };
      const refuse = (error: AppError) => {
        cleanup();
        this.drain(req, res);
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (received > this.limitBytes) return refuse(this.tooLarge());
        const exceeded = scanner.push(chunk);
        if (exceeded) return refuse(this.tooComplex(exceeded));
        try {
          decoder.push(chunk);
        } catch (error) {
          return refuse(notUtf8(error as InvalidUtf8Error));
        }
      };
      const onEnd = () => {
        cleanup();
        try {
          resolve(decoder.end());
        } catch (error) {
          reject(notUtf8(error as InvalidUtf8Error));
        }
      };
      const onError = () => {
        cleanup();
        reject(unreadable());
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('aborted', onError);
    });
  }

  /**
   * After a refusal the rest of the body is read and dropped, so the connection can carry the next
   * request; a client that keeps sending past one more body limit's worth loses the connection instead.
   */
  private drain(req: Request, res: Response): void {
    let dropped = 0;
    const onData = (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped <= this.limitBytes) return;
      req.off('data', onData);
      req.pause();
      res.setHeader('Connection', 'close');
      if (res.writableFinished) req.socket.destroy();
      else res.once('finish', () => req.socket.destroy());
    };
    req.on('data', onData);
    req.once('error', () => undefined);
  }

  /**
   * A body too slow to arrive is not read any further: the answer says `Connection: close`, and the socket
   * is closed once it is sent (whatever the client is still sending is never read).
   */
  private hangUp(req: Request, res: Response): void {
    req.pause();
    res.setHeader('Connection', 'close');
    if (res.writableFinished) req.socket.destroy();
    else res.once('finish', () => req.socket.destroy());
  }

  private tooSlow(received: number): AppError {
    const seconds = this.readTimeoutMs / 1000;
    return new AppError(
      CoreProblems.requestIncomplete,
      `The body did not arrive within ${seconds} s of the headers (${received} bytes received); the connection is closed. Send the whole body promptly.`,
      { timeoutMs: this.readTimeoutMs },
    );
  }

  private tooLarge(): AppError {
    return new AppError(CoreProblems.payloadTooLarge, `The body exceeds the limit of ${this.limitBytes / 1024} kB.`, {
      limitBytes: this.limitBytes,
    });
  }

  private tooComplex(exceeded: Exclude<JsonLimitExceeded, undefined>): AppError {
    const { maxDepth, maxElements } = this.limits;
    const detail =
      exceeded === 'depth'
        ? `The body nests arrays/objects deeper than ${maxDepth} levels.`
        : `The body holds more than ${maxElements} array elements and object members.`;
    return new AppError(CoreProblems.jsonTooComplex, detail, {
      maxDepth,
      maxElements,
      errors: [{ field: 'body', message: detail }],
    });
  }
}

/** A JSON object or array (a bare scalar is refused); an empty body is `{}`; a leading BOM is dropped. */
function parse(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (json.length === 0) return {};
  const first = /\S/.exec(json)?.[0];
  if (first !== '{' && first !== '[') throw malformed();
  try {
    return JSON.parse(json);
  } catch {
    throw malformed();
  }
}

function malformed(): AppError {
  return new AppError(CoreProblems.malformedJson, 'The request body is not valid JSON.', {
    errors: [{ field: 'body', message: 'is not valid JSON' }],
  });
}

function notUtf8(error: InvalidUtf8Error): AppError {
  const message = `is not valid UTF-8 (byte ${error.offset})`;
  return new AppError(CoreProblems.invalidEncoding, `The request body is not valid UTF-8: the byte at offset ${error.offset} does not start a UTF-8 character. Nothing was stored.`, {
    offset: error.offset,
    errors: [{ field: 'body', message }],
  });
}

function unreadable(): AppError {
  return new AppError(CoreProblems.badRequest, 'The request body could not be read.', {
    errors: [{ field: 'body', message: 'could not be read' }],
  });
}
