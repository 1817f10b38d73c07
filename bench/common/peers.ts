// Helpers shared by the peer benchmarks: float32 files exchanged with Python peers, and a python3
// that imports the peer's package (installed from Debian's packages when missing).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export function writeF32(file: string, values: ArrayLike<number>): void {
  const a = values instanceof Float32Array ? values : Float32Array.from(values);
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/**
 * A python3 that can `import <module>, numpy`: $PYTHON, Debian's /usr/bin/python3 (a pyenv python3 on
 * PATH usually lacks Debian's packages), or python3; otherwise installs `aptPackage` and tries again.
 */
export function pythonWith(module: string, aptPackage: string): string {
  const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const works = (py: string): boolean =>
    spawnSync(py, ['-c', `import ${module}, numpy`], { stdio: 'ignore' }).status === 0;
  for (const py of candidates) if (works(py)) return py;
  console.log(`${module} is not importable: installing ${aptPackage} with apt-get`);
  const sudo = typeof process.getuid === 'function' && process.getuid() !== 0;
  const apt = (...a: string[]): number | null =>
    spawnSync(sudo ? 'sudo' : 'apt-get', [...(sudo ? ['apt-get'] : []), ...a], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  if (apt('install', '-y', aptPackage) !== 0) {
    apt('update');
    apt('install', '-y', aptPackage);
  }
  for (const py of candidates) if (works(py)) return py;
  throw new Error(`could not get a python3 with ${module} (apt-get install -y ${aptPackage})`);
}
