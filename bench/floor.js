#!/usr/bin/env node
// The machine's floor: a bare node:http server answering every request with the same JSON body and
// headers' weight as /health/live, so `health ÷ floor` shows what the framework and pipeline cost.
'use strict';
const http = require('node:http');

const body = Buffer.from(process.env.FLOOR_BODY ?? '{"status":"ok"}');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
