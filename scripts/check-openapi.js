#!/usr/bin/env node
// `npm run openapi:check` (CI): regenerates the OpenAPI document from the code into a temporary file and
// fails when it differs from the committed openapi.json, so the contract cannot drift from the code.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const committed = join(root, 'openapi.json');
const dir = mkdtempSync(join(tmpdir(), 'aero-openapi-'));
const fresh = join(dir, 'openapi.json');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...options,
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    console.error(`openapi:check: \`${command} ${args.join(' ')}\` failed (exit ${result.status})`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }
  return result;
}

try {
  run('npx', ['nest', 'build', 'cli']);
  run(process.execPath, [join(root, 'dist/apps/cli/apps/cli/src/main.js'), 'openapi:export', '--out', fresh]);
  const expected = readFileSync(fresh, 'utf8');
  let actual = '';
  try {
    actual = readFileSync(committed, 'utf8');
  } catch {
    actual = '';
  }
  if (expected === actual) {
    const paths = Object.keys(JSON.parse(expected).paths ?? {}).length;
    console.log(`openapi.json is fresh (${paths} paths)`);
  } else {
    // Show what changed (first lines), so the failure explains itself in CI logs.
    const diff = spawnSync('git', ['diff', '--no-index', '--no-color', '--stat', committed, fresh], {
      cwd: root,
      encoding: 'utf8',
    });
    const full = spawnSync('git', ['diff', '--no-index', '--no-color', '-U2', committed, fresh], {
      cwd: root,
      encoding: 'utf8',
    });
    const lines = (full.stdout || '').split('\n');
    process.stderr.write(`${(diff.stdout || '').trim()}\n${lines.slice(0, 120).join('\n')}\n`);
    if (lines.length > 120) process.stderr.write(`… (${lines.length - 120} more diff lines)\n`);
    console.error(
      'openapi.json is stale: the code documents a different API than the committed file.\n' +
        'Run `npm run openapi` and commit openapi.json (review the diff: it is the public contract).',
    );
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
