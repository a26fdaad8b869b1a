// Real `floe` child processes for end-to-end tests: spawned from source (tsx), with an
// environment built from scratch (no FLOE_/AWS_/AZURE_ variables leak in from the test
// runner's own environment), stdout/stderr captured, "serving at" awaited (the human banner is
// on stderr; stdout holds the JSON log lines), stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jsonRequest } from '../http/client.js';

export { freePort } from '../objectstore/helpers.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));
const READY_WAIT_MS_MAX = 30_000;
const STOP_WAIT_MS_MAX = 10_000;
const OUTPUT_CHARS_MAX = 200_000;
const SERVING = /^Floe catalog serving at (http:\/\/\S+)$/m;

const live = new Set<FloeProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface FloeProcess {
  child: ChildProcess;
  /** everything printed so far */
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL after STOP_WAIT_MS_MAX; resolves with how it exited */
  stop(): Promise<Exit>;
}

export interface FloeServer extends FloeProcess {
  url: string;
  /** milliseconds from spawn to the "serving at" line */
  startMs: number;
}

/**
 * The environment for a child: PATH/HOME and the like from ours, minus every FLOE_, AWS_ and
 * AZURE_ variable (and the test runner's own markers), plus `extra`.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(FLOE_|AWS_|AZURE_|NODE_TEST_|NODE_OPTIONS$)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Spawns `floe <args...>` from source; does not wait for anything. */
export function spawnFloe(args: string[], env: NodeJS.ProcessEnv): FloeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (out.length < OUTPUT_CHARS_MAX) out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (err.length < OUTPUT_CHARS_MAX) err += chunk.toString('utf8');
  });
  const exited = new Promise<Exit>((resolve) => {
    // 'close' (not 'exit'): the pipes are drained, so stdout()/stderr() are complete
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const handle: FloeProcess = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS_MAX);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  live.add(handle);
  void exited.then(() => live.delete(handle));
  return handle;
}

/** `floe serve <args...>`; resolves once it prints "Floe catalog serving at <url>". */
export async function startFloeServe(args: string[], env: NodeJS.ProcessEnv): Promise<FloeServer> {
  const started = Date.now();
  const proc = spawnFloe(['serve', ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = SERVING.exec(proc.stderr());
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onExit = (exit: Exit) => {
      cleanup();
      reject(new Error(`floe serve ${args.join(' ')} exited (${exit.code ?? exit.signal}) before serving:\n${proc.stderr()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      void proc.stop();
      reject(new Error(`floe serve ${args.join(' ')} did not print "serving at" within ${READY_WAIT_MS_MAX} ms:\n${proc.stderr()}`));
    }, READY_WAIT_MS_MAX);
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stderr?.off('data', check);
    };
    proc.child.stderr?.on('data', check);
    void proc.exited.then(onExit);
    check();
  });
  return { ...proc, url, startMs: Date.now() - started };
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `floe <args...>` to completion (killed after `timeoutMs`). */
export async function runFloe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  const started = Date.now();
  const proc = spawnFloe(args, env);
  const timer = setTimeout(() => void proc.stop(), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { ...exit, stdout: proc.stdout(), stderr: proc.stderr(), ms: Date.now() - started };
}

/** Stops every child still running (an after() hook, so a failed test leaves nothing behind). */
export async function stopAllFloe(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export interface HttpResult {
  status: number;
  body: unknown;
  text: string;
}

/** One JSON request to a child's REST API. */
export async function request(baseUrl: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  const { status, body: parsed, text } = await jsonRequest(baseUrl + path, method, body);
  return { status, body: parsed, text };
}
