// Breaking changes between two OpenAPI documents, as Atlassian's openapi-diff classifies them (removed
// operations or response fields, new required inputs, narrowed types, …). Used by check-openapi-breaking.js.
const openapiDiff = require('openapi-diff');

/**
 * The API refuses unknown fields in every JSON request body (the validation pipe forbids them), so its request
 * schemas are closed even where the document does not say `additionalProperties: false`. openapi-diff reads an
 * open schema as "anything was accepted" and so calls a new optional request field a narrowing; comparing the
 * request schemas as the closed schemas they are makes a new optional field the additive change it is, and a
 * new required one still breaking. Works on copies; component schemas reached from a request body (directly,
 * through properties, items or allOf/oneOf/anyOf) are closed in both documents alike.
 */
function closeRequestSchemas(doc) {
  const copy = JSON.parse(JSON.stringify(doc));
  const components = (copy.components && copy.components.schemas) || {};
  const seen = new Set();
  const close = (schema) => {
    if (!schema || typeof schema !== 'object') return;
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace('#/components/schemas/', '');
      if (seen.has(name) || !components[name]) return;
      seen.add(name);
      close(components[name]);
      return;
    }
    if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const child of Object.values(schema.properties || {})) close(child);
    close(schema.items);
    for (const key of ['allOf', 'oneOf', 'anyOf']) for (const child of schema[key] || []) close(child);
  };
  for (const item of Object.values(copy.paths || {}))
    for (const operation of Object.values(item))
      for (const media of Object.values((operation && operation.requestBody && operation.requestBody.content) || {}))
        close(media.schema);
  return copy;
}

/** Returns `{ breaking: [{ code, where }], nonBreaking: number, unclassified: number }`. */
async function breakingChanges(base, next) {
  const spec = (doc, location) => ({ content: JSON.stringify(closeRequestSchemas(doc)), location, format: 'openapi3' });
  const outcome = await openapiDiff.diffSpecs({
    sourceSpec: spec(base, 'openapi.baseline.json'),
    destinationSpec: spec(next, 'openapi.json'),
  });
  const where = (d) =>
    [...d.sourceSpecEntityDetails, ...d.destinationSpecEntityDetails].map((e) => e.location).filter(Boolean)[0] ?? '?';
  return {
    breaking: (outcome.breakingDifferencesFound ? outcome.breakingDifferences : []).map((d) => ({ code: d.code, where: where(d) })),
    nonBreaking: outcome.nonBreakingDifferences.length,
    unclassified: outcome.unclassifiedDifferences.length,
  };
}

module.exports = { breakingChanges };
