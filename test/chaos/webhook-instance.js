// A webhook-dispatching API instance in a process of its own, so the chaos suite can SIGKILL it mid-delivery.
// Reads its settings from the environment the suite gives it; prints "ready" once the dispatcher runs.
'use strict';
const { join } = require('node:path');
const root = join(__dirname, '../..');
process.chdir(root);
require('ts-node').register({ project: join(root, 'tsconfig.json'), transpileOnly: true, swc: true });
require('tsconfig-paths').register({ baseUrl: root, paths: require('../../tsconfig.json').compilerOptions.paths });
require('reflect-metadata');
const { loadConfig } = require('../../libs/core/src');
const { createApiApp } = require('../../apps/api/src/create-api-app');

createApiApp(loadConfig(process.env, root), { quiet: true })
  .then((app) => app.init())
  .then(() => process.stdout.write('ready\n'))
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
