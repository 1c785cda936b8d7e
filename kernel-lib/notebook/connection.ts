/**
 * Connection files: the JSON file, in jupyter_client's format, that gives a kernel the loopback
 * ports to bind and the key that signs its messages.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { SIGNATURE_SCHEME } from './hmac';

/** Loopback only, so no other host can reach the kernel. */
export const KERNEL_IP = '127.0.0.1';

/** Contents of a connection file; field names are fixed by jupyter_client. */
export interface ConnectionInfo {
  transport: 'tcp';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  /** HMAC key; the empty string turns signing off. */
  key: string;
  signature_scheme: typeof SIGNATURE_SCHEME;
  kernel_name: string;
}

/**
 * Finds `count` distinct TCP ports that are free on 127.0.0.1 now. Every port is held until all
 * are found, so no two are equal. Another process may still take one before the kernel binds it,
 * the same race that jupyter_client accepts.
 */
export async function findFreePorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new Error(`findFreePorts: \`count\` must be an integer in [1, 64], got ${count}`);
  }
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(await listenOnFreePort(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

function listenOnFreePort(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, KERNEL_IP, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`findFreePorts: expected a TCP address from the probe server, got ${JSON.stringify(address)}`));
        return;
      }
      resolve(address.port);
    });
  });
}

/**
 * Writes a connection file with five free loopback ports and a random key (a UUID, as
 * jupyter_client generates) into a new private folder under `parentFolder`. The folder has mode
 * 0700 and the file 0600, because any process that reads the key can run code in the kernel. Returns the
 * file's path and contents; remove the folder with removeConnectionFile.
 */
export async function createConnectionFile(parentFolder: string, kernelName: string): Promise<{ path: string; info: ConnectionInfo }> {
  if (typeof parentFolder !== 'string' || !fs.existsSync(parentFolder) || !fs.statSync(parentFolder).isDirectory()) {
    throw new Error(`createConnectionFile: \`parentFolder\` must be an existing folder, got ${JSON.stringify(parentFolder)}`);
  }
  const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = await findFreePorts(5);
  const info: ConnectionInfo = {
    transport: 'tcp',
    ip: KERNEL_IP,
    shell_port: shellPort,
    iopub_port: iopubPort,
    stdin_port: stdinPort,
    control_port: controlPort,
    hb_port: hbPort,
    // A CSPRNG and not util/random.ts: the key is a secret, not a reproducible draw.
    key: crypto.randomUUID(),
    signature_scheme: SIGNATURE_SCHEME,
    kernel_name: kernelName,
  };

  // mkdtemp creates the folder with mode 0700. The file is created with 'wx' and mode 0600 in one
  // call, and not through writeFileAtomic, whose temporary file would get the umask's mode.
  const folder = fs.mkdtempSync(path.join(parentFolder, 'medsynth-kernel-'));
  const filePath = path.join(folder, 'connection.json');
  fs.writeFileSync(filePath, JSON.stringify(info, null, 1) + '\n', { mode: 0o600, flag: 'wx' });
  return { path: filePath, info };
}

/** Deletes a connection file written by createConnectionFile, with its private folder. */
export function removeConnectionFile(filePath: string): void {
  const folder = path.dirname(filePath);
  if (!path.basename(folder).startsWith('medsynth-kernel-')) {
    throw new Error(`removeConnectionFile: ${filePath} was not written by createConnectionFile; delete it yourself`);
  }
  fs.rmSync(folder, { recursive: true, force: true });
}
