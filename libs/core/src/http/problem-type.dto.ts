import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProblemTypeDto {
  /** The `type` member of problems of this kind. */
  @ApiProperty({ example: '/problems/validation-failed' })
  type: string;
  /** Stable machine-readable code, also sent as `code` in problem bodies. */
  @ApiProperty({ example: 'VALIDATION_FAILED' })
  code: string;
  /** HTTP status used with this type. */
  status: number;
  /** Short summary, the same for every occurrence. */
  title: string;
  /** When it happens and what to do about it. */
  description: string;
}

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemDto {
  /** URI reference identifying the problem type; resolves to its description under `/problems/`. */
  @ApiProperty({ example: '/problems/validation-failed' })
  type: string;
  @ApiProperty({ example: 'Request validation failed' })
  title: string;
  @ApiProperty({ example: 400 })
  status: number;
  /** What went wrong in this occurrence. */
  @ApiProperty({ example: 'email: email must be an email' })
  detail: string;
  /** The request path that failed. */
  @ApiProperty({ example: '/v1/members' })
  instance: string;
  /** Stable machine-readable code of the problem type. */
  @ApiProperty({ example: 'VALIDATION_FAILED' })
  code: string;
  /** Id of the request, as echoed in `X-Request-Id`: quote it when reporting a problem. */
  @ApiProperty({ example: '5f0c6a8e-2a8b-4e0a-9d43-1b2f3c4d5e6f' })
  requestId: string;
}

export class FieldErrorDto {
  /** Path of the offending field. */
  @ApiProperty({ example: 'email' })
  field: string;
  @ApiProperty({ example: 'email must be an email' })
  message: string;
}

/** A 400: the same problem members, plus `errors` when the cause is one or more invalid fields. */
export class ValidationProblemDto extends ProblemDto {
  /** One entry per invalid field; present when `type` is `/problems/validation-failed`. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}
