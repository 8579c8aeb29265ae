import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto } from '@aero/core';
import type { Role } from '../principal';
import { ROLES } from '../principal';

export class UserCreateDto {
  /** Sign-in email; unique, compared case-insensitively. */
  @IsEmail()
  @MaxLength(320)
  email: string;

  /** 8–128 characters, not a common password. Never stored or logged in clear. */
  @IsString()
  @MaxLength(1024)
  password: string;

  /** Roles of the user. */
  @ApiProperty({ enum: ROLES, isArray: true, example: ['staff'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles: Role[];

  /** The member profile a `member` user acts as. */
  @IsOptional()
  @IsUUID('all')
  memberId?: string;

  /** Venues the user may see; omit for every venue. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  venueIds?: string[];
}

export class UserUpdateDto {
  /** Replaces the user's roles. */
  @ApiProperty({ enum: ROLES, isArray: true, required: false })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];

  /** Disabling ends every session of the user at once. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** A new password (ends every session of the user). */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  /** Link to a member profile; null unlinks. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true, required: false })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID('all')
  memberId?: string | null;

  /** Venues the user may see; null means every venue. */
  @ApiProperty({ type: [String], nullable: true, required: false })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  venueIds?: string[] | null;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  /** Lower-cased sign-in email. */
  email: string;
  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];
  /** A disabled user cannot sign in and has no sessions. */
  disabled: boolean;
  /** Linked member profile, if any. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  memberId: string | null;
  /** Venues the user may see; null means every venue. */
  @ApiProperty({ type: [String], nullable: true })
  venueIds: string[] | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] })
  data: UserDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class UserListQueryDto extends PageQueryDto {}
