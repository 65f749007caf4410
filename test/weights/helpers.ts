/** Where the tests find the published weight files (`../shared/weights` beside the package). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/cli/common';

/** The shared weights folder; throws (failing the test) when it is missing. */
export function sharedWeights(...parts: string[]): string {
  const dir = path.resolve(packageRoot(), '..', 'shared', 'weights');
  if (!fs.existsSync(dir)) throw new Error(`the published weights are missing: ${dir}`);
  return path.join(dir, ...parts);
}
