// Where the installed package lives (bundled profiles, the built dashboard) and its version, found
// from this module's own path so it works from a clone, an npm install and the Docker image alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json (walks up from this file: src and dist layouts alike). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'policies'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** The package version (package.json), or '0.0.0' when it cannot be read. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The built JavaScript of a worker thread's entry (`dist/<rel>`: a worker runs JavaScript, so under
 * the test runner too it is the build's). Throws, naming `what` needs it, when it is not built.
 */
export function builtWorkerScript(rel: string, what: string): string {
  const path = join(packageRoot(), 'dist', rel);
  if (!existsSync(path)) throw new Error(`${what} needs the built package (${path} is missing): run npm run build`);
  return path;
}
