#!/usr/bin/env node
// `npm run openapi:breaking` (CI): fails when openapi.json breaks clients of the last released contract,
// openapi.baseline.json. A deliberate break needs a new major version: update the baseline when releasing
// it, and say so under "Removed"/"Changed" in CHANGELOG.md.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { breakingChanges } = require('./openapi-breaking');

const root = join(__dirname, '..');
const read = (name) => JSON.parse(readFileSync(join(root, name), 'utf8'));

breakingChanges(read('openapi.baseline.json'), read('openapi.json'))
  .then(({ breaking, nonBreaking, unclassified }) => {
    if (breaking.length === 0) {
      console.log(`openapi.json is compatible with openapi.baseline.json (${nonBreaking} additive, ${unclassified} unclassified changes)`);
      return;
    }
    for (const change of breaking) console.error(`  breaking: ${change.code} at ${change.where}`);
    console.error(
      `${breaking.length} breaking change(s) against the last released contract (openapi.baseline.json).\n` +
        'Make the change additive (optional fields, new operations, deprecate the old), or release a new major version.',
    );
    process.exitCode = 1;
  })
  .catch((error) => {
    console.error(`openapi:breaking: ${error.message}`);
    process.exitCode = 1;
  });
