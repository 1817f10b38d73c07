#!/usr/bin/env node
// Launcher of the shelfcast CLI (tools/cli/shelfcast.ts): TypeScript compiled on the fly by @swc-node/register.
'use strict';
const path = require('node:path');

process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', '..', 'tsconfig.json');
require('@swc-node/register');

require('./shelfcast.ts')
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
