import { ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';

export interface FieldError {
  /** Path of the field in the request, e.g. `guardian.email` or `items[2].quantity`. */
  field: string;
  message: string;
}

/** Flattens class-validator's tree into one entry per failed constraint, with a dotted field path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'is not an allowed field'),
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export class ValidationProblem extends AppError {
  constructor(readonly errors: FieldError[]) {
    super(
      CoreProblems.validation,
      errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      { errors },
    );
  }
}

/** Station 6: unknown fields rejected, types transformed, every bad field listed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
  });
}
