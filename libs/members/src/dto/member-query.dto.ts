import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '@aero/core';

/** Member search: prefix of first name, last name ("last first") or email, case-insensitive. */
export class MemberQueryDto extends PageQueryDto {
  /** Prefix to look for, e.g. `chen` finds Olivia and Liam Chen; `sofia.r` finds sofia.rossi@example.com. */
  @ApiPropertyOptional({ example: 'chen' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  search?: string;
}
