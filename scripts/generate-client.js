#!/usr/bin/env node
// `npm run client:generate` (part of `npm run openapi`): the typed client's types, generated from the committed
// openapi.json with openapi-typescript into packages/client/src/schema.ts.
// `--check` (CI): generates into a temporary file, fails when the committed schema.ts differs (the SDK is stale),
// then builds the package with tsc, so what `npm pack` ships compiles.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const committed = join(root, 'packages/client/src/schema.ts');
const check = process.argv.includes('--check');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    console.error(`client: \`${command} ${args.join(' ')}\` failed (exit ${result.status})`);
    process.exit(1);
  }
}

function generate(out) {
  run(process.execPath, [join(root, 'node_modules/openapi-typescript/bin/cli.js'), join(root, 'openapi.json'), '--output', out]);
}

if (!check) {
  generate(committed);
  console.log('Wrote packages/client/src/schema.ts');
  return;
}
const dir = mkdtempSync(join(tmpdir(), 'aero-client-'));
try {
  const fresh = join(dir, 'schema.ts');
  generate(fresh);
  let actual = '';
  try {
    actual = readFileSync(committed, 'utf8');
  } catch {
    actual = '';
  }
  if (readFileSync(fresh, 'utf8') !== actual) {
    const diff = spawnSync('git', ['diff', '--no-index', '--no-color', '-U1', committed, fresh], { encoding: 'utf8' });
    process.stderr.write(`${(diff.stdout || '').split('\n').slice(0, 80).join('\n')}\n`);
    console.error('The client SDK is stale: its types differ from openapi.json. Run `npm run openapi` and commit packages/client.');
    process.exitCode = 1;
  } else {
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'packages/client/tsconfig.json'), '--outDir', join(dir, 'dist')]);
    console.log('packages/client is fresh and builds');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
