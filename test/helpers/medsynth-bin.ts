import * as fs from 'fs';
import * as path from 'path';

/** Returns the checkout that contains this compiled test: the nearest folder above it with bin/medsynth.js. */
function findCheckout(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'bin', 'medsynth.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`findCheckout: no bin/medsynth.js in ${__dirname} or any folder above it`);
    dir = parent;
  }
  return dir;
}

/** Path of the `medsynth` command of this checkout, for tests that run it as a user would. */
export const MEDSYNTH_BIN = path.join(findCheckout(), 'bin', 'medsynth.js');
