/**
 * Per-module learning-rate multipliers (as mmsegmentation's `lr_mult`): a
 * map from a module path (`clsHead`, `backbone.layer4`) to a factor on the
 * step of every trainable variable under it. The longest matching path wins;
 * variables under no path step at the base rate.
 */

/** Module path → learning-rate factor. */
export type LrMultipliers = Readonly<Record<string, number>>;

function under(name: string, path: string): boolean {
  return name === path || name.startsWith(`${path}.`);
}

/** The factor of variable `name` (1 when no path of `lrMult` contains it). */
export function lrMultiplier(name: string, lrMult: LrMultipliers | undefined): number {
  let best = -1;
  let factor = 1;
  for (const [path, f] of Object.entries(lrMult ?? {})) {
    if (path.length > best && under(name, path)) {
      best = path.length;
      factor = f;
    }
  }
  return factor;
}

/** Throws, naming `train.lrMult.<path>`, for a path that contains no variable of `names`. */
export function checkLrMultipliers(lrMult: LrMultipliers | undefined, names: readonly string[]): void {
  for (const path of Object.keys(lrMult ?? {})) {
    if (!names.some((n) => under(n, path))) {
      const roots = [...new Set(names.map((n) => n.split('.')[0]))].join(', ');
      throw new Error(`train.lrMult.${path}: no trainable variable of the model lies under "${path}" (top-level modules: ${roots})`);
    }
  }
}
