import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

export type AppName = 'ingestion' | 'features' | 'trainer' | 'registry' | 'inference' | 'admin-api';

/**
 * Node's arguments for a service, as `npm start` and the image run it: the flags in
 * `apps/<app>/node-flags` (if any), then the TypeScript loader and the entry point.
 */
export function serviceArgs(app: AppName): string[] {
  let flags: string[] = [];
  try {
    flags = fs
      .readFileSync(path.join(ROOT, 'apps', app, 'node-flags'), 'utf8')
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    // No flags of its own.
  }
  return [...flags, '-r', '@swc-node/register', path.join('apps', app, 'src', 'main.ts')];
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  app: AppName;
  child: ChildProcess;
  /** Every line the process wrote, stdout and stderr. */
  lines: string[];
  exited: Promise<number | null>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Polls a URL until it answers `status` (default 200), or fails with the process's output. */
  waitFor(url: string, status?: number, timeoutMs?: number): Promise<void>;
}

/** Starts one service as its own process, as `npm start` does, with the given environment on top of ours. */
export function startService(app: AppName, env: Record<string, string | undefined>): ServiceProcess {
  const merged: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, serviceArgs(app), {
    cwd: ROOT,
    env: merged as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  return {
    app,
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
    async waitFor(url, status = 200, timeoutMs = 60000) {
      const deadline = Date.now() + timeoutMs;
      let last = 'no answer';
      while (Date.now() < deadline) {
        if (exitCode !== undefined) {
          throw new Error(
            `${app} exited with code ${exitCode} before ${url} answered ${status}:\n${lines.slice(-20).join('\n')}`,
          );
        }
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
          last = `${res.status} ${await res.text()}`;
          if (res.status === status) return;
        } catch (e) {
          last = (e as Error).message;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `${url} did not answer ${status} within ${timeoutMs} ms (last: ${last}):\n${lines.slice(-20).join('\n')}`,
      );
    },
  };
}
