import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

interface MediaType {
  schema?: unknown;
  examples?: Record<string, { value?: { type?: unknown } }>;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
type PathItem = Record<string, Operation>;
interface OpenApiDoc {
  paths: Record<string, PathItem>;
  components?: { schemas?: Record<string, unknown> };
}

const DOC_ID = 'openapi.json';

/**
 * Checks a response against the committed `openapi.json`: the route and method must be documented, the
 * status must be listed for the operation, a JSON body (error bodies included) must match its schema, a
 * problem's `type` must be one the operation lists among that status's examples, and headers documented
 * as required (`Location` on a 201) must be there. So an undocumented or mis-documented response fails
 * the test that received it.
 */
export class OpenApiValidator {
  private readonly ajv: Ajv;
  private readonly routes: { template: string; regex: RegExp; item: PathItem }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDoc) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components ?? {} });
    this.routes = Object.entries(doc.paths)
      .map(([template, item]) => ({
        template,
        item,
        regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }))
      // Literal segments win over parameters (/v1/users/me before /v1/users/{id}).
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  }

  static fromRepo(root = join(__dirname, '..', '..', '..')): OpenApiValidator {
    return new OpenApiValidator(JSON.parse(readFileSync(join(root, 'openapi.json'), 'utf8')) as OpenApiDoc);
  }

  /** Returns a list of problems; empty when the response matches the contract. */
  check(
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: unknown,
    headers: Record<string, unknown> = {},
  ): string[] {
    const path = url.split('?')[0];
    // A literal segment wins (/v1/users/me before /v1/users/{id}), unless only the template has the method.
    const matching = this.routes.filter((r) => r.regex.test(path));
    const route = matching.find((r) => r.item[method.toLowerCase()]) ?? matching[0];
    const where = `${method.toUpperCase()} ${path} → ${status}`;
    // The documentation routes serve the document itself.
    if (/^\/docs(-json|-yaml|\/|$)/.test(path)) return [];
    if (!route) {
      // Unknown routes are refused (404, or earlier by the pipeline: 400/413/415) with a problem document.
      if (status < 400) return [`${where}: route is not in openapi.json`];
      return this.validate('ProblemDto', { $ref: `${DOC_ID}#/components/schemas/ProblemDto` }, body, where);
    }
    const operation = route.item[method.toLowerCase()];
    if (!operation) {
      return status === 404 || status === 405 ? [] : [`${where}: method not documented for ${route.template}`];
    }
    const response = operation.responses?.[String(status)] ?? operation.responses?.default;
    if (!response) return [`${where}: status ${status} not documented for ${method.toUpperCase()} ${route.template}`];
    const missing = Object.entries(response.headers ?? {})
      .filter(([name, header]) => header.required && headers[name.toLowerCase()] === undefined)
      .map(([name]) => `${where}: documented header ${name} is missing`);
    if (missing.length > 0) return missing;
    if (!response.content || body === undefined || body === '' || status === 204) return [];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const media = response.content[mediaType];
    if (!media) {
      return [`${where}: content type '${mediaType}' not documented (has ${Object.keys(response.content).join(', ')})`];
    }
    if (!media.schema || !mediaType.includes('json')) return [];
    const invalid = this.validate(`${method} ${route.template} ${status} ${mediaType}`, media.schema, body, where);
    if (invalid.length > 0) return invalid;
    return this.problemTypeListed(media, body, where);
  }

  /** A problem's `type` must be among the examples the operation documents for the status (when it has any). */
  private problemTypeListed(media: MediaType, body: unknown, where: string): string[] {
    const examples = Object.values(media.examples ?? {});
    const type = (body as { type?: unknown } | null)?.type;
    if (examples.length === 0 || typeof type !== 'string') return [];
    const listed = examples.map((e) => e.value?.type);
    return listed.includes(type) ? [] : [`${where}: problem type ${type} is not documented (lists ${listed.join(', ')})`];
  }

  private validate(key: string, schema: unknown, body: unknown, where: string): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      const rewritten = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, `"${DOC_ID}#/components/`));
      validate = this.ajv.compile(rewritten as object);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: body${e.instancePath} ${e.message ?? 'is invalid'}`);
  }
}
