import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch } from '@nestjs/common';
import type { Request, Response } from 'express';
import { writeProblem } from './problem-details';

/** Station 10: every error, thrown anywhere in the pipeline, leaves as RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeProblem(http.getRequest<Request>(), http.getResponse<Response>(), exception);
  }
}
