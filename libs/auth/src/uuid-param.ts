import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationProblem } from '@aero/core';

/** A path parameter that must be a UUID; anything else is a 400 naming the parameter. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationProblem([{ field: name, message: 'must be a UUID' }]),
  });
}
