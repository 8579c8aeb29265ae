import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { createValidationPipe, ValidationProblem } from './validation.pipe';

class GuardianDto {
  @IsEmail()
  email!: string;
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
});
