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

/** Whether a value already validated by `IsDateOrInstant` is a calendar date rather than an instant. */
export const isDateOnly = (value: string): boolean => DATE.test(value);
