import type { FailureCause } from './failure-cause';

/**
 * Base of every problem `type`: a relative URI reference (RFC 9457 §3.1.1) that resolves against the API
 * itself, where `GET /problems/{slug}` describes the type.
 */
export const PROBLEM_TYPE_BASE = '/problems/';

export interface ProblemTypeDefinition {
  /** Stable machine code, e.g. `BOOKINGS_SESSION_FULL`. */
  code: string;
  /** The slug in the problem `type` URI, e.g. `session-full`. */
  slug: string;
  status: number;
  /** Short summary, the same for every occurrence of the type. */
  title: string;
  /** When clients meet it and what they should do. */
  description: string;
}

const registry = new Map<string, ProblemTypeDefinition>();

/**
 * Declares a problem type once; features call this at import time for each of their error codes so
 * the catalogue at `GET /problems` and the README list stay complete.
 */
export function defineProblemType(definition: ProblemTypeDefinition): ProblemTypeDefinition {
  const existing = registry.get(definition.slug);
  if (existing && existing.code !== definition.code) {
    throw new Error(`Problem type slug ${definition.slug} is used by ${existing.code} and ${definition.code}`);
  }
  registry.set(definition.slug, definition);
  return definition;
}

export function problemTypes(): ProblemTypeDefinition[] {
  return [...registry.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

export function problemTypeUri(slug: string): string {
  return PROBLEM_TYPE_BASE + slug;
}

/**
 * A failure the client can act on. Features subclass it (or use it directly with their problem type);
 * the global filter turns it into RFC 9457 problem+json. `extensions` become extra members of the body.
 */
export class AppError extends Error {
  /** For a 5xx: what failed underneath, for the log line (never sent to the client). */
  failure?: FailureCause;

  constructor(
    readonly problem: ProblemTypeDefinition,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? problem.title);
    this.name = problem.code;
  }

  get status(): number {
    return this.problem.status;
  }

  /** Attaches what failed underneath (see FailureCause); returns the same error. */
  causedBy(failure: FailureCause): this {
    this.failure = failure;
    return this;
  }
}
