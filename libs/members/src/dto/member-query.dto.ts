import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '@aero/core';

/** Member search: prefix of first name, last name ("last first") or email, case-insensitive. */
export class MemberQueryDto extends PageQueryDto {
  /** Prefix to look for, e.g. `sin` finds Maya Singh; `maya.s` finds maya.singh@example.com. */
  @ApiPropertyOptional({ example: 'sin' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  search?: string;
}
