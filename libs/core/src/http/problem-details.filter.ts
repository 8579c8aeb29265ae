import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, Injectable, Optional } from '@nestjs/common';
import type { Request, Response } from 'express';
import { TransactionService } from '../database/transaction.service';
import { writeProblem } from './problem-details';

/**
 * Station 10: every error, thrown anywhere in the pipeline, leaves as RFC 9457 problem+json. A database
 * fault that escaped a feature's own handling (a read outside `tx.run`, a driver error from a guard) is
 * classified here the same way transactions classify it, so a fault is a 503 with Retry-After, never a 500.
 */
@Catch()
@Injectable()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Optional() private readonly tx?: TransactionService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const error = this.tx ? this.tx.translate(exception) : exception;
    writeProblem(http.getRequest<Request>(), http.getResponse<Response>(), error);
  }
}
