#!/usr/bin/env node
// Registers the tslab TypeScript kernel (kernelspec name "tslab") with the Jupyter of
// /usr/bin/python3, so that notebooks/ run in Jupyter and test/notebooks can execute them.
// Exits 0 with install instructions when Jupyter is missing, because the CLI never needs it.
// Usage: node scripts/setup-kernel.js   (or: npm run setup-kernel)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const python = '/usr/bin/python3';
// The kernelspec stores this absolute path, so rerun the script after moving the checkout.
// The tslab script starts with `#!/usr/bin/env node`, so Jupyter needs `node` on its PATH.
const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
// The kernel binary: tslab, started so that notebooks can import '../kernel-lib'.
const kernelBinary = path.join(root, 'bin', 'tslab-kernel.js');

const INSTALL_HINT =
  'install Jupyter for /usr/bin/python3 with `apt-get install jupyter-nbconvert python3-nbclient ' +
  'python3-ipython python3-ipykernel` (Debian, Ubuntu) or `/usr/bin/python3 -m pip install jupyterlab`, ' +
  'then run `npm run setup-kernel` again';

if (!fs.existsSync(tslab)) {
  console.error(`setup-kernel: tslab not found at ${tslab}. Run \`npm ci\` to install the devDependencies.`);
  process.exit(1);
}

const probe = spawnSync(python, ['-c', 'import jupyter_client'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  const reason = probe.error ? `${python} could not start (${probe.error.message})` : `${python} has no jupyter_client module`;
  console.log(`setup-kernel: skipped, Jupyter is not installed: ${reason}.`);
  console.log(`To run the notebooks, ${INSTALL_HINT}.`);
  process.exit(0);
}

// As root, tslab installs into the system-wide folder (/usr/local/share/jupyter/kernels);
// otherwise into the user's folder. It registers the JavaScript kernel "jslab" too.
const install = spawnSync(tslab, ['install', `--python=${python}`, `--binary=${kernelBinary}`], {
  cwd: root,
  stdio: 'inherit',
});
if (install.error || install.status !== 0) {
  const reason = install.error ? install.error.message : `exit status ${install.status}`;
  console.error(`setup-kernel: \`tslab install\` failed (${reason}). See its output above.`);
  process.exit(1);
}
console.log(`setup-kernel: registered the tslab kernel, which runs ${kernelBinary}`);
