import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsEmail, IsInt, IsOptional, IsString, Min, ValidateIf, ValidateNested } from 'class-validator';
import { createValidationPipe, MAX_LISTED_ERRORS, validateInput, ValidationProblem } from './validation.pipe';

class GuardianDto {
  @IsEmail()
  email!: string;

  @IsOptional()
  @IsString()
  phone?: string;
}

class LineDto {
  @IsString()
  product!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

class OrderDto {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => GuardianDto)
  guardian!: GuardianDto;

  @ValidateNested({ each: true })
  @ArrayMaxSize(5)
  @Type(() => LineDto)
  lines!: LineDto[];
}

class PatchDto {
  @IsOptional()
  @IsString()
  name?: string;

  @ApiProperty({ nullable: true, required: false, type: String })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsString()
  nickname?: string | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => GuardianDto)
  guardian?: GuardianDto;
}

class QueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit!: number;
}

const body: ArgumentMetadata = { type: 'body', metatype: OrderDto };

async function problemOf(value: unknown, metadata: ArgumentMetadata = body): Promise<ValidationProblem> {
  try {
    await createValidationPipe().transform(value, metadata);
  } catch (error) {
    if (error instanceof ValidationProblem) return error;
    throw error;
  }
  throw new Error('expected a ValidationProblem');
}

const valid = {
  name: 'Ada',
  guardian: { email: 'ada@example.com' },
  lines: [{ product: 'jump-60', quantity: 2 }],
};

describe('validation pipe', () => {
  it('passes a valid body through as an instance of the DTO', async () => {
    const result = (await createValidationPipe().transform(valid, body)) as OrderDto;
    expect(result).toBeInstanceOf(OrderDto);
    expect(result.guardian).toBeInstanceOf(GuardianDto);
    expect(result.lines[0].quantity).toBe(2);
  });

  it('lists every bad field with its path, nested objects and array items included', async () => {
    const problem = await problemOf({
      name: 42,
      guardian: { email: 'not-an-email' },
      lines: [
        { product: 'jump-60', quantity: 1 },
        { product: 'jump-60', quantity: 0 },
      ],
    });
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.field)).toEqual(['name', 'guardian.email', 'lines[1].quantity']);
    expect(problem.errors.find((e) => e.field === 'lines[1].quantity')?.message).toBe(
      'quantity must not be less than 1',
    );
    expect(problem.detail).toContain('guardian.email: email must be an email');
    expect(problem.extensions).toEqual({ errors: problem.errors });
  });

  it('rejects unknown fields, naming them, at any depth', async () => {
    const problem = await problemOf({
      ...valid,
      isAdmin: true,
      guardian: { email: 'ada@example.com', role: 'x' },
    });
    expect(problem.errors).toHaveLength(2);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'guardian.role', message: 'is not an allowed field' },
        { field: 'isAdmin', message: 'is not an allowed field' },
      ]),
    );
  });

  it('transforms declared query types but does not coerce a body string into a number', async () => {
    const query = (await createValidationPipe().transform(
      { limit: '25' },
      { type: 'query', metatype: QueryDto },
    )) as QueryDto;
    expect(query.limit).toBe(25);
    const problem = await problemOf({ ...valid, lines: [{ product: 'jump-60', quantity: '2' }] });
    expect(new Set(problem.errors.map((e) => e.field))).toEqual(new Set(['lines[0].quantity']));
    expect(problem.errors.map((e) => e.message)).toContain('quantity must be an integer number');
  });

  it('never echoes the rejected value', async () => {
    const problem = await problemOf({ ...valid, guardian: { email: 'secret-value-123' } });
    expect(JSON.stringify(problem.errors)).not.toContain('secret-value-123');
    expect(problem.detail).not.toContain('secret-value-123');
  });

  describe('rules every DTO obeys without declaring them', () => {
    const patch: ArgumentMetadata = { type: 'body', metatype: PatchDto };

    it('refuses null unless the property is documented nullable, nested DTOs included', async () => {
      const problem = await problemOf({ name: null, nickname: null, guardian: { email: 'a@b.co', phone: null } }, patch);
      expect(problem.errors).toEqual([
        { field: 'name', message: 'must not be null' },
        { field: 'guardian.phone', message: 'must not be null' },
      ]);
      const ok = (await createValidationPipe().transform({ nickname: null }, patch)) as PatchDto;
      expect(ok.nickname).toBeNull();
    });

    it('refuses NUL characters and lone surrogates at any depth, in bodies and query strings', async () => {
      const problem = await problemOf({ ...valid, name: 'A\u0000da', lines: [{ product: 'x\ud800', quantity: 1 }] });
      expect(problem.errors).toEqual([
        { field: 'name', message: 'must not contain NUL characters' },
        { field: 'lines[0].product', message: 'must be well-formed Unicode (no lone surrogates)' },
      ]);
      const query = await problemOf({ limit: '\udc00' }, { type: 'query', metatype: QueryDto });
      expect(query.errors.map((e) => e.field)).toEqual(['limit']);
    });

    it('still reports the other fields, and survives validators that throw on a lone surrogate', async () => {
      const problem = await problemOf({ name: 'Ada\u0000', guardian: { email: 'a\ud800@b.co' }, lines: 'x' });
      expect([...new Set(problem.errors.map((e) => e.field))]).toEqual(['name', 'guardian.email', 'lines']);
    });

    it('refuses prototype-named keys at any depth instead of dropping them', async () => {
      const body = JSON.parse('{"name":"Ada","__proto__":{"x":1},"guardian":{"email":"a@b.co","constructor":1},"lines":[{"prototype":1,"product":"p","quantity":1}]}');
      const problem = await problemOf(body);
      expect(problem.errors).toEqual([
        { field: '__proto__', message: 'is not an allowed field' },
        { field: 'guardian.constructor', message: 'is not an allowed field' },
        { field: 'lines[0].prototype', message: 'is not an allowed field' },
      ]);
    });

    it('refuses a body that is not an object', async () => {
      const problem = await problemOf([valid]);
      expect(problem.errors).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    });

    it('lists at most MAX_LISTED_ERRORS errors', async () => {
      const unknown = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 1]));
      const problem = await problemOf({ ...valid, ...unknown });
      expect(problem.errors).toHaveLength(MAX_LISTED_ERRORS);
      expect(problem.detail).toMatch(/and 400 more$/);
    });

    it('applies the same rules outside HTTP through validateInput', async () => {
      const { value, errors } = await validateInput(GuardianDto, { email: 'a@b.co', phone: '1\u0000' });
      expect(value).toBeUndefined();
      expect(errors).toEqual([{ field: 'phone', message: 'must not contain NUL characters' }]);
      expect((await validateInput(GuardianDto, { email: 'a@b.co' })).value).toBeInstanceOf(GuardianDto);
    });
  });
});
