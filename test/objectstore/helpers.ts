// Shared plumbing for backend tests: free ports, child servers started from node_modules and
// stopped by their own pid, waiting for a port to accept connections.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

const PORT_WAIT_MS_MAX = 20_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface ChildServer {
  child: ChildProcess;
  port: number;
  startMs: number;
  stop(): Promise<void>;
}

/** Starts `node args...` and resolves once `port` accepts connections. */
export async function startNodeServer(
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildServer> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() - started > PORT_WAIT_MS_MAX) {
      await stop();
      throw new Error(`server did not open port ${port} within ${PORT_WAIT_MS_MAX} ms: ${stderr}`);
    }
    // polls the condition (the port accepts) under PORT_WAIT_MS_MAX: the server announces nothing we can await
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, startMs: Date.now() - started, stop };
}
