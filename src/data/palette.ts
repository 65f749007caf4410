/** Colour tables for label maps. */

/** An RGB colour, 0..255 per channel. */
export type Rgb = readonly [number, number, number];

/**
 * The bit-interleaved label colour map (the Pascal VOC convention): entry `i`
 * spreads the bits of `i` over the high bits of r, g and b, so neighbouring ids
 * get distinct colours and id 255 gets (224, 224, 192).
 */
export function labelColormap(n = 256): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    out.push([r, g, b]);
  }
  return out;
}

/**
 * A full 256-entry palette: `palette` for its own ids, the bit-interleaved map
 * for every other id (so the ignore id 255 always has a colour).
 */
export function fullPalette(palette: ReadonlyArray<Rgb>): Array<[number, number, number]> {
  if (palette.length > 256) throw new Error(`a palette has at most 256 entries, got ${palette.length}`);
  const out = labelColormap(256);
  palette.forEach(([r, g, b], i) => (out[i] = [r, g, b]));
  return out;
}
