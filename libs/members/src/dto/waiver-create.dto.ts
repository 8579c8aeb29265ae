import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

/** An empty body means: signed now by the member themself. For a minor, name the guardian. */
export class WaiverCreateDto {
  /** Who signs: the member (default) or, for a minor, their guardian. */
  @ApiPropertyOptional({ example: '3f6c1f9e-8a59-4c53-9a34-7d0b7e9b2a10', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  signedByMemberId?: string;
}
