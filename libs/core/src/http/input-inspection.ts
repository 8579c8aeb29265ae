import { getMetadataStorage } from 'class-validator';

export interface FieldError {
  /** Path of the field in the request, e.g. `guardian.email` or `items[2].quantity`. */
  field: string;
  message: string;
}

/**
 * Keys that name the machinery of Object.prototype. JSON.parse and the query parser make them own
 * properties; class-transformer and Nest's pipe would drop them silently (or, worse, follow them), so they
 * are refused at any depth, like every other unknown field.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const NOT_ALLOWED = 'is not an allowed field';
export const NUL_MESSAGE = 'must not contain NUL characters';
export const SURROGATE_MESSAGE = 'must be well-formed Unicode (no lone surrogates)';
export const NULL_MESSAGE = 'must not be null';

/** The metadata key under which `@ApiProperty()` keeps a property's OpenAPI options (nullable among them). */
const API_PROPERTY_METADATA = 'swagger/apiModelProperties';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const hasWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';

/** Whether a string is valid UTF-16 (no unpaired surrogate), i.e. encodable in UTF-8 and storable. */
export function isWellFormedUnicode(value: string): boolean {
  return hasWellFormed ? (value as unknown as { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(value);
}

/** Why a string cannot be stored by every supported database, or undefined when it can. */
export function unstorableStringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return NUL_MESSAGE;
  if (!isWellFormedUnicode(value)) return SURROGATE_MESSAGE;
  return undefined;
}

interface DtoShape {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- class-validator's own signature
  metatype: Function;
  /** Properties with validation rules (the whitelist). */
  known: ReadonlySet<string>;
  /** Properties documented `nullable: true`: the only ones that may be sent as null. */
  nullable: ReadonlySet<string>;
}

const shapes = new WeakMap<object, DtoShape>();

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- class-validator's own signature
function shapeOf(metatype: Function): DtoShape {
  let shape = shapes.get(metatype);
  if (!shape) {
    const known = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(metatype, '', true, false)
        .map((m) => m.propertyName),
    );
    const nullable = new Set(
      [...known].filter(
        (name) =>
          (Reflect.getMetadata(API_PROPERTY_METADATA, metatype.prototype as object, name) as
            | { nullable?: boolean }
            | undefined)?.nullable === true,
      ),
    );
    shape = { metatype, known, nullable };
    shapes.set(metatype, shape);
  }
  return shape;
}

const PLAIN_TYPES: unknown[] = [String, Number, Boolean, Object, Array, Date];

/** The DTO class of a nested object property (`guardian: GuardianDto`), from its emitted design type. */
function nestedShape(shape: DtoShape | undefined, key: string): DtoShape | undefined {
  if (!shape?.known.has(key)) return undefined;
  const type: unknown = Reflect.getMetadata('design:type', shape.metatype.prototype as object, key);
  return typeof type === 'function' && !PLAIN_TYPES.includes(type) ? shapeOf(type) : undefined;
}

const childPath = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

function walk(value: unknown, path: string, shape: DtoShape | undefined, problems: FieldError[]): void {
  if (typeof value === 'string') {
    const problem = unstorableStringProblem(value);
    if (problem) problems.push({ field: path, message: problem });
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], childPath(path, i), undefined, problems);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = childPath(path, key);
    if (PROTOTYPE_KEYS.has(key)) {
      problems.push({ field, message: NOT_ALLOWED });
      continue;
    }
    const child = record[key];
    if (child === null) {
      // Unknown fields are left to the whitelist; a known one may be null only if it is documented so.
      if (shape?.known.has(key) && !shape.nullable.has(key)) problems.push({ field, message: NULL_MESSAGE });
      continue;
    }
    walk(child, field, nestedShape(shape, key), problems);
  }
}

/**
 * The rules every request DTO obeys without having to declare them, checked on the plain input before
 * class-transformer sees it: no prototype-named keys at any depth, no NUL character and no lone surrogate
 * in any string, and `null` only for properties whose `@ApiProperty` says `nullable: true` (so the OpenAPI
 * document and the check cannot disagree; nested DTO objects are followed by their design type). The walk is linear in the input, whose size and
 * depth the body parser has already bounded.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any DTO class
export function inspectInput(value: unknown, metatype: Function, where: 'body' | 'query'): FieldError[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [{ field: where, message: 'must be a JSON object' }];
  }
  const problems: FieldError[] = [];
  walk(value, '', shapeOf(metatype), problems);
  return problems;
}

/**
 * A deep copy without prototype-named keys and without the values `problems` names, so the DTO's own
 * rules can still report the other fields: some validators throw on a lone surrogate (isEmail does).
 */
export function withoutFlaggedValues(value: unknown, problems: readonly FieldError[] = []): unknown {
  const flagged = new Set(problems.map((p) => p.field));
  const copy = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((item, i) => (flagged.has(childPath(path, i)) ? undefined : copy(item, childPath(path, i))));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const field = childPath(path, key);
      if (!PROTOTYPE_KEYS.has(key) && !flagged.has(field)) out[key] = copy((v as Record<string, unknown>)[key], field);
    }
    return out;
  };
  return copy(value, '');
}
