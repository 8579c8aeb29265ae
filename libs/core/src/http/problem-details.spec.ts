import 'reflect-metadata';
import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, defineProblemType } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { PROBLEM_CONTENT_TYPE, toAppError, writeProblem } from './problem-details';

const sessionFull = defineProblemType({
  code: 'TEST_SESSION_FULL',
  slug: 'test-session-full',
  status: 409,
  title: 'Session is full',
  description: 'Test problem type.',
});

function fakeRequest(method = 'GET', url = '/v1/things/42?x=1'): Request {
  return {
    method,
    path: url.split('?')[0],
    originalUrl: url,
    url,
    id: 'req-123',
    headers: {},
  } as unknown as Request;
}

interface Written {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function write(exception: unknown, req = fakeRequest()): Written {
  const written: Written = { status: 0, headers: {}, body: {} };
  const res = {
    headersSent: false,
    status(code: number) {
      written.status = code;
      return this;
    },
    setHeader(name: string, value: string) {
      written.headers[name.toLowerCase()] = value;
    },
    end(text: string) {
      written.body = JSON.parse(text) as Record<string, unknown>;
    },
  } as unknown as Response;
  writeProblem(req, res, exception);
  return written;
}

describe('problem details', () => {
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    logged.mockRestore();
  });

  it('turns an unexpected exception into a generic 500 that leaks neither message nor stack', () => {
    const error = new Error('connect ECONNREFUSED 10.0.0.5:1433 SELECT * FROM secret_table');
    const { status, headers, body } = write(error);
    expect(status).toBe(500);
    expect(headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(body).toEqual({
      type: '/problems/internal',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the requestId when reporting it.',
      instance: '/v1/things/42?x=1',
      code: 'INTERNAL',
      requestId: 'req-123',
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('secret_table');
    expect(text).not.toContain('at ');
    // ...but operators get the real error, tied to the request id.
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ err: error, requestId: 'req-123' }),
      'unhandled error',
    );
  });

  it('treats a thrown non-Error the same way', () => {
    const { status, body } = write('a string with internals');
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('internals');
  });

  it('writes a feature problem with its type, detail, extensions and headers', () => {
    const { status, headers, body } = write(
      new AppError(sessionFull, 'Only 2 places left.', { remaining: 2 }, { 'Retry-After': '3' }),
    );
    expect(status).toBe(409);
    expect(headers['retry-after']).toBe('3');
    expect(body).toMatchObject({
      type: '/problems/test-session-full',
      title: 'Session is full',
      status: 409,
      detail: 'Only 2 places left.',
      code: 'TEST_SESSION_FULL',
      remaining: 2,
      requestId: 'req-123',
    });
    expect(logged).not.toHaveBeenCalled();
  });

  it('does not let an extension overwrite the standard members', () => {
    const { body } = write(new AppError(sessionFull, 'detail', { status: 200, type: 'spoofed' }));
    expect(body).toMatchObject({ status: 409, type: '/problems/test-session-full' });
  });

  it("maps the router's 404 to a not-found problem naming the route", () => {
    const req = fakeRequest('DELETE', '/v1/nowhere');
    const error = toAppError(new NotFoundException('Cannot DELETE /v1/nowhere'), req);
    expect(error.problem).toBe(CoreProblems.notFound);
    expect(error.detail).toBe('No route matches DELETE /v1/nowhere.');
  });

  it.each([
    [
      new BadRequestException('limit must be a number'),
      400,
      '/problems/bad-request',
      'limit must be a number',
    ],
    [new UnauthorizedException(), 401, '/problems/unauthenticated', 'Unauthorized'],
    [
      new ForbiddenException('Needs scope bookings:write'),
      403,
      '/problems/forbidden',
      'Needs scope bookings:write',
    ],
    [new NotFoundException('Booking not found'), 404, '/problems/not-found', 'Booking not found'],
    [new HttpException('I am a teapot', 418), 418, '/problems/bad-request', 'I am a teapot'],
  ])('maps %p to status %i and type %s', (exception, status, type, detail) => {
    const { status: written, body } = write(exception);
    expect(written).toBe(status);
    expect(body).toMatchObject({ status, type, detail, requestId: 'req-123' });
  });

  it('joins an array of messages into one detail', () => {
    const { body } = write(new BadRequestException(['a is bad', 'b is bad']));
    expect(body.detail).toBe('a is bad; b is bad');
  });

  it('maps a 5xx HttpException without leaking its message', () => {
    const unavailable = write(new ServiceUnavailableException('pool exhausted at db-7'));
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toMatchObject({
      type: '/problems/service-unavailable',
      detail: 'A dependency is unavailable.',
    });
    const failed = write(new HttpException('stack: at Foo.bar (/srv/app.js:1:1)', 500));
    expect(failed.status).toBe(500);
    expect(JSON.stringify(failed.body)).not.toContain('/srv/app.js');
  });

  it('does nothing when the response has already started', () => {
    const res = {
      headersSent: true,
      status: jest.fn(),
      setHeader: jest.fn(),
      end: jest.fn(),
    } as unknown as Response;
    writeProblem(fakeRequest(), res, new Error('late'));
    expect(res.status).not.toHaveBeenCalled();
    expect(res.end).not.toHaveBeenCalled();
  });
});
