import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import type { ValidationError } from 'class-validator';
import { AppError } from '../errors/app-error';
import { CoreProblems } from '../errors/problem-types';
import type { FieldError } from './input-inspection';
import { inspectInput, withoutFlaggedValues } from './input-inspection';

export type { FieldError } from './input-inspection';

/** Most field errors one problem lists; a body with thousands of bad fields must not get a bigger answer. */
export const MAX_LISTED_ERRORS = 100;

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
  readonly errors: FieldError[];

  constructor(errors: FieldError[]) {
    const listed = errors.slice(0, MAX_LISTED_ERRORS);
    const omitted = errors.length - listed.length;
    super(
      CoreProblems.validation,
      listed.map((e) => `${e.field}: ${e.message}`).join('; ') + (omitted > 0 ? `; and ${omitted} more` : ''),
      { errors: listed },
    );
    this.errors = listed;
  }
}

/** The class-validator options of every request DTO: unknown fields refused, every bad field listed. */
const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  validationError: { target: false, value: false },
  stopAtFirstError: false,
} as const;

/** Input errors found before class-transformer runs, listed first; class-validator's for other fields after. */
function merge(first: FieldError[], rest: FieldError[]): FieldError[] {
  const flagged = new Set(first.map((e) => e.field));
  return [...first, ...rest.filter((e) => !flagged.has(e.field))];
}

/**
 * Station 6. Nest's ValidationPipe (unknown fields rejected, types transformed, every bad field listed),
 * preceded for bodies and query strings by the rules every DTO obeys without declaring them (see
 * `inspectInput`: prototype-named keys, NUL characters, lone surrogates, undeclared nulls).
 */
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({
      ...VALIDATOR_OPTIONS,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: (errors) => new ValidationProblem(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type } = metadata;
    if ((type !== 'body' && type !== 'query') || !metatype || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    const problems = inspectInput(value, metatype, type);
    if (problems.length === 0) return super.transform(value, metadata);
    let others: FieldError[] = [];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      try {
        await super.transform(withoutFlaggedValues(value, problems), metadata);
      } catch (error) {
        if (!(error instanceof ValidationProblem)) throw error;
        others = error.errors;
      }
    }
    throw new ValidationProblem(merge(problems, others));
  }
}

export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe();
}

/**
 * The same validation outside HTTP (CSV rows, CLI options): the shared input rules, then the DTO's own.
 * Returns the instance (undefined when any field is bad) and every bad field.
 */
export async function validateInput<T extends object>(
  metatype: ClassConstructor<T>,
  plain: Record<string, unknown>,
): Promise<{ value: T | undefined; errors: FieldError[] }> {
  const problems = inspectInput(plain, metatype, 'body');
  const value = plainToInstance(metatype, withoutFlaggedValues(plain, problems) as Record<string, unknown>);
  const errors = merge(problems, flattenValidationErrors(await validate(value, VALIDATOR_OPTIONS)));
  return errors.length === 0 ? { value, errors } : { value: undefined, errors };
}
