#!/usr/bin/env node
// Type-checks and compiles the project, runs every uvu suite under dist/test, and
// ends with the line "N passed, N failed" that CI reads.
// Usage: node scripts/run-tests.js [pattern]   (pattern filters test file paths)
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
// Only compiled test files (*.test.js, not their .d.ts), optionally filtered by the argument.
const filter = process.argv[2];
const pattern = filter ? `^(?=.*(?:${filter})).*\\.test\\.js$` : '\\.test\\.js$';

const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.log('type check failed: fix the errors above');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const uvuBin = path.join(root, 'node_modules', 'uvu', 'bin.js');
const run = spawnSync(process.execPath, [uvuBin, 'dist/test', pattern], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(run.stdout);
process.stderr.write(run.stderr);

const text = (run.stdout + run.stderr).replace(/\u001b\[[0-9;]*m/g, '');
const count = (label) => {
  const m = text.match(new RegExp(`${label}:\\s+(\\d+)`));
  return m ? Number(m[1]) : null;
};
const total = count('Total');
const passed = count('Passed');
const skipped = count('Skipped') || 0;
if (total === null || passed === null) {
  console.log('test runner ended without a summary (a suite crashed before reporting)');
  console.log(`0 passed, 1 failed`);
  process.exit(1);
}
// uvu's Total counts the tests that ran; skipped tests are reported apart from it.
const failed = total - passed;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
