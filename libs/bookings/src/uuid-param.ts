import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationProblem } from '@aero/core';

/** An `:id` path parameter that must be a UUID; anything else is a 400 naming `id`. */
export const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationProblem([{ field: 'id', message: 'must be a UUID' }]),
});
