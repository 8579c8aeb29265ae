import type { ValidationOptions } from 'class-validator';
import { registerDecorator } from 'class-validator';
import { isValidTimeZone } from '../time-zone';

/** An IANA time zone this runtime knows, e.g. `America/Toronto`. */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be an IANA time zone such as America/Toronto`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value === 'string' && isValidTimeZone(value) },
    });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A calendar date (`2026-03-08`, venue-local) or an instant with its offset (`2026-03-08T10:00:00-04:00`). */
export function IsDateOrInstant(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isDateOrInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be a date (YYYY-MM-DD) or an ISO 8601 instant with offset`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          (DATE.test(value) || INSTANT.test(value)) &&
          !Number.isNaN(new Date(DATE.test(value) ? `${value}T00:00:00Z` : value).getTime()),
      },
    });
}

/** An ISO 8601 instant with an explicit offset or Z. */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be an ISO 8601 instant with offset, e.g. 2026-03-08T14:00:00Z`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(new Date(value).getTime()),
      },
    });
}

export const isDateOnly = (value: string): boolean => DATE.test(value);
