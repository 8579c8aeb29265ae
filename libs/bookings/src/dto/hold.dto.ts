import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsUUID, Max, Min } from 'class-validator';
import type { HoldStatus } from '../hold.entity';

export const MAX_QUANTITY = 20;

/** Sets places aside while the guest checks out. */
export class HoldCreateDto {
  @ApiProperty({ example: '5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f', format: 'uuid' })
  @IsUUID()
  sessionId: string;

  /** Places to hold, 1–20. */
  @ApiProperty({ example: 3, type: 'integer', minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;
}

export class HoldResponseDto {
  @ApiProperty({ example: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', format: 'uuid' })
  id: string;
  @ApiProperty({ example: '5d9c2e4f-7a1b-4c3d-8e6f-0a1b2c3d4e5f', format: 'uuid' })
  sessionId: string;
  @ApiProperty({ example: 3, type: 'integer' })
  quantity: number;
  @ApiProperty({ enum: ['active', 'released', 'expired', 'converted'], example: 'active' })
  status: HoldStatus;
  /** When the places go back on sale unless booked. */
  @ApiProperty({ example: '2026-03-08T13:10:00.000Z', format: 'date-time' })
  expiresAt: string;
}
