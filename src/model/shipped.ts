/**
 * The model shipped with the package (`models/camvid-mobilenetv2/`): what
 * `guideseg predict`, `guideseg eval`, `guideseg demo` and `load()` use when
 * no checkpoint is given.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folder of the shipped model, relative to the package root. */
export const SHIPPED_MODEL = path.join('models', 'camvid-mobilenetv2');

/** Absolute folder of the shipped model (found from this file, so it works from src/ and dist/). */
export function shippedModelDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the guideseg package folder (for the shipped model)');
    dir = parent;
  }
  return path.join(dir, SHIPPED_MODEL);
}
