/** The folder of this package (where package.json is), found from this file so it works from src/ and dist/. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the guideseg package folder');
    dir = parent;
  }
  return dir;
}

/** The package's version (package.json). */
export function packageVersion(): string {
  return (require(path.join(packageRoot(), 'package.json')) as { version: string }).version;
}
