// The shared MUD fixtures (../shared/fixtures, never copied into the project): where they are and
// which files count as MUD files.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Root of the shared fixtures, next to the repository. */
export const FIXTURE_ROOT = resolve(new URL('../../../..', import.meta.url).pathname, '../shared/fixtures');

/** Every MUD file: all files under mud/, plus the Tapo P115 profile of the mud-pairs set. */
export function listMudFixtures(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(FIXTURE_ROOT, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('mud');
  out.push('mud-pairs/tapo-p115/G06-tapo-p115.mud');
  return out.sort();
}

/** Text of one fixture, by path relative to the fixture root. */
export function readFixture(rel: string): string {
  return readFileSync(join(FIXTURE_ROOT, rel), 'utf8');
}
