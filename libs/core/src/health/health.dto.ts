import { ApiProperty } from '@nestjs/swagger';

export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status: 'ok' | 'error' | 'shutting_down';
  /** Checks that passed, by name (readiness only). */
  @ApiProperty({ required: false, type: Object, additionalProperties: true })
  info?: Record<string, unknown>;
  @ApiProperty({ required: false, type: Object, additionalProperties: true })
  error?: Record<string, unknown>;
  @ApiProperty({ required: false, type: Object, additionalProperties: true })
  details?: Record<string, unknown>;
}
