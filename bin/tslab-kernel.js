#!/usr/bin/env node
// The tslab kernel of this project: `tslab` itself, started so that notebook cells can import the
// library's sources, `import * as ms from '../kernel-lib'`, although tslab compiles only files
// under the kernel's working folder. Takes tslab's arguments (`kernel --config-path <file>`).
//
// How: for files under kernel-lib/, tslab's TypeScript reads the declaration files that the build
// wrote to dist/kernel-lib/ (and not the .ts sources, which it would try to compile), and Node
// loads the compiled JavaScript beside them. So the notebook runs the library as built by
// `npm run build`; a source newer than its build is reported in the cell that imports it.
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const root = path.resolve(__dirname, '..');
const sourceDir = path.join(root, 'kernel-lib') + path.sep;
const buildDir = path.join(root, 'dist', 'kernel-lib') + path.sep;
const tslabMain = path.join(root, 'node_modules', 'tslab', 'dist', 'main.js');

if (!fs.existsSync(tslabMain)) {
  console.error(`tslab-kernel: ${tslabMain} is missing; run \`npm ci\` in ${root}`);
  process.exit(1);
}
if (!fs.existsSync(path.join(buildDir, 'index.js'))) {
  console.error(`tslab-kernel: ${buildDir}index.js is missing; run \`npm run build\` in ${root}`);
  process.exit(1);
}

// Paths are compared as given: tslab sets useCaseSensitiveFileNames and passes absolute paths.
const HIDDEN = Symbol('hidden');

/** Maps a path under kernel-lib/ to the file TypeScript should see there, HIDDEN for sources. */
function declarationPath(file) {
  if (!file.startsWith(sourceDir)) return null;
  const relative = file.slice(sourceDir.length);
  if (relative.endsWith('.d.ts')) return buildDir + relative;
  if (/\.(ts|tsx|js|jsx)$/.test(relative)) return HIDDEN;
  return null;
}

const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.dirname(tslabMain)] }));
const fileExists = ts.sys.fileExists;
const readFile = ts.sys.readFile;
ts.sys.fileExists = function (file) {
  const mapped = declarationPath(file);
  if (mapped === HIDDEN) return false;
  return fileExists.call(this, mapped || file);
};
ts.sys.readFile = function (file, encoding) {
  const mapped = declarationPath(file);
  if (mapped === HIDDEN) return undefined;
  return readFile.call(this, mapped || file, encoding);
};

// Node resolves `require('../kernel-lib/x')` to kernel-lib/x.ts once .ts is a known extension;
// the module then re-exports the compiled build of the same path.
const staleWarned = new Set();
const loadTs = Module._extensions['.ts'];
Module._extensions['.ts'] = function (module, file) {
  if (!file.startsWith(sourceDir)) {
    if (loadTs) return loadTs(module, file);
    throw new Error(`tslab-kernel: cannot load ${file}; only the sources under ${sourceDir} load through their build`);
  }
  const built = buildDir + file.slice(sourceDir.length).replace(/\.ts$/, '.js');
  if (!fs.existsSync(built)) {
    throw new Error(`tslab-kernel: ${built} is missing; run \`npm run build\` in ${root}, then restart the kernel`);
  }
  if (fs.statSync(file).mtimeMs > fs.statSync(built).mtimeMs && !staleWarned.has(file)) {
    staleWarned.add(file);
    console.warn(`tslab-kernel: ${file} is newer than its build; run \`npm run build\` in ${root}, then restart the kernel`);
  }
  module.exports = require(built);
};

// zeromq.js resolves at most 512 sends in a row at once, then defers the next one; tslab does
// not wait for its sends, so its next send on that socket fails with EBUSY and the kernel stops
// replying (a cell with a few hundred outputs is enough). A send timeout of 0 keeps every send
// on the immediate path; a publisher past its high-water mark then drops the message, as
// publishers do, instead of failing.
const zmq = require(require.resolve('zeromq', { paths: [path.dirname(tslabMain)] }));
const send = zmq.Socket.prototype.send;
Object.defineProperty(zmq.Socket.prototype, 'send', {
  configurable: true,
  writable: false,
  value: function sendWithoutWaiting(...args) {
    if (this.sendTimeout !== 0) this.sendTimeout = 0;
    return send.apply(this, args);
  },
});

require(tslabMain).main();
