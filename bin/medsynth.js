#!/usr/bin/env node
'use strict';
const path = require('path');
const fs = require('fs');

const entry = path.join(__dirname, '..', 'dist', 'kernel-lib', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error(`medsynth: ${entry} is missing; run 'npm run build' (npm install and npm ci build it automatically)`);
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
