// Breaking changes between two OpenAPI documents, as Atlassian's openapi-diff classifies them (removed
// operations or response fields, new required inputs, narrowed types, …). Used by check-openapi-breaking.js.
const openapiDiff = require('openapi-diff');

/** Returns `{ breaking: [{ code, where }], nonBreaking: number, unclassified: number }`. */
async function breakingChanges(base, next) {
  const spec = (doc, location) => ({ content: JSON.stringify(doc), location, format: 'openapi3' });
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
