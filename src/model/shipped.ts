/**
 * The model shipped with the package (`models/camvid-edgetpu-aspp/`): what
 * `guideseg predict`, `guideseg eval`, `guideseg demo` and `load()` use when
 * no checkpoint is given.
 */
import * as path from 'node:path';
import { packageRoot } from '../util/package_root';

/** Folder of the shipped model, relative to the package root. */
export const SHIPPED_MODEL = path.join('models', 'camvid-edgetpu-aspp');

/** Absolute folder of the shipped model. */
export function shippedModelDir(): string {
  return path.join(packageRoot(), SHIPPED_MODEL);
}
