import { ParseUUIDPipe } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ValidationProblem } from '@aero/core';

/** An `:id` path parameter that must be a UUID; anything else is a 400 naming `id`. */
export const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new ValidationProblem([{ field: 'id', message: 'must be a UUID' }]),
});

/** Documents the `:id` path parameter as a UUID with an example. */
export const ApiIdParam = (example: string): MethodDecorator =>
  ApiParam({ name: 'id', format: 'uuid', example, description: 'The resource id (UUID)' });
