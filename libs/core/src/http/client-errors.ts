import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ProblemTypeDefinition } from '../errors/app-error';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import { PROBLEM_CONTENT_TYPE, problemBodyAt } from './problem-details';

type ClientError = Error & { code?: string; rawPacket?: Buffer };

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/** What Node's HTTP parser refused, as the problem type the client sees. */
export function clientErrorProblem(error: ClientError): ProblemTypeDefinition {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return CoreProblems.headersTooLarge;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_REQUEST_TIMEOUT':
      return CoreProblems.requestIncomplete;
    default:
      return CoreProblems.badRequest;
  }
}

/** The path of the refused request when its first line was read (never its query: it may be the problem). */
function instanceOf(error: ClientError): string {
  const line = error.rawPacket?.subarray(0, 2048).toString('latin1').split('\r\n', 1)[0] ?? '';
  const target = /^[A-Z]+ (\/[^\s?#]{0,255})/.exec(line)?.[1];
  return target ?? '/';
}

/**
 * Requests Node's HTTP parser refuses never reach Express: headers over 16 kB, a malformed request line or
 * header, a client too slow to send its headers. Node would answer them with a bare status line; here they
 * get the same problem+json body, request id and no-store as every other error, and the connection closes
 * (the parser cannot go on after an error).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    // Nothing to answer on a socket that is gone, or one already carrying a response.
    const busy = (socket as Duplex & { _httpMessage?: unknown })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    const problem = clientErrorProblem(error);
    const requestId = randomUUID();
    const body = JSON.stringify(problemBodyAt(new AppError(problem, problem.description), instanceOf(error), requestId));
    socket.end(
      `HTTP/1.1 ${problem.status} ${REASONS[problem.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Cache-Control: no-store\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
