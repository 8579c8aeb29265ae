#!/usr/bin/env node
// `npm run bench [-- options]`: the benchmark lives under bench/ (bench/README.md explains it).
'use strict';
require('../bench/run.js');
