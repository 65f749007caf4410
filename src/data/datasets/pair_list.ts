/**
 * A data set stored as (image file, label file) pairs, shared by the on-disk
 * data sets. Label values go through a 256-entry table to class ids (255 =
 * ignore); a value the table marks invalid is an error naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readImage, readLabel } from '../image_io';
import { Rgb } from '../palette';
import { Dataset, IGNORE_INDEX, Sample } from '../types';

/** One listed sample. */
export interface PairEntry {
  name: string;
  image: string;
  label: string;
}

/** How stored label values become class ids. */
export interface LabelMapping {
  /** Entry v: the class id of stored value v, 255 for ignore, -1 for "not allowed". */
  table: Int16Array;
  /** Human-readable list of the allowed values, for error messages. */
  allowed: string;
}

/** Label mapping for data sets that store ids 0..numClasses-1 directly, plus `extraIgnore` values meaning ignore. */
export function identityMapping(numClasses: number, extraIgnore: number[] = []): LabelMapping {
  const table = new Int16Array(256).fill(-1);
  for (let v = 0; v < numClasses; v++) table[v] = v;
  table[IGNORE_INDEX] = IGNORE_INDEX;
  for (const v of extraIgnore) table[v] = IGNORE_INDEX;
  const extra = extraIgnore.map((v) => `${v} (ignore), `).join('');
  return { table, allowed: `0..${numClasses - 1} (classes), ${extra}255 (ignore)` };
}

/** Options of {@link PairListDataset}. */
export interface PairListOptions {
  type: string;
  split: string;
  classes: readonly string[];
  palette: ReadonlyArray<Rgb>;
  entries: PairEntry[];
  mapping: LabelMapping;
  /** Where the entries came from (named in errors). */
  source: string;
  /** Report a missing file when its sample is read, not when the split is opened (`data check` lists them all). */
  deferMissingFiles?: boolean;
}

/** A fixed list of image/label file pairs. */
export class PairListDataset implements Dataset {
  readonly type: string;
  readonly split: string;
  readonly classes: readonly string[];
  readonly palette: ReadonlyArray<Rgb>;
  readonly entries: readonly PairEntry[];
  private readonly mapping: LabelMapping;

  constructor(options: PairListOptions) {
    if (options.entries.length === 0) {
      throw new Error(`split '${options.split}' of ${options.type} data set is empty: ${options.source}`);
    }
    for (const e of options.deferMissingFiles ? [] : options.entries) {
      for (const [what, file] of [['image', e.image], ['label', e.label]] as const) {
        if (!fs.existsSync(file)) throw new Error(`${what} file not found: ${file} (listed in ${options.source})`);
      }
    }
    this.type = options.type;
    this.split = options.split;
    this.classes = options.classes;
    this.palette = options.palette;
    this.entries = options.entries;
    this.mapping = options.mapping;
  }

  get length(): number {
    return this.entries.length;
  }

  async get(index: number): Promise<Sample> {
    const entry = this.entries[index];
    if (!entry) throw new Error(`${this.type}/${this.split}: index ${index} outside 0..${this.length - 1}`);
    const [image, label] = await Promise.all([readImage(entry.image), readLabel(entry.label)]);
    if (image.width !== label.width || image.height !== label.height) {
      throw new Error(
        `size mismatch: image ${entry.image} is ${image.width}x${image.height}, ` +
          `label ${entry.label} is ${label.width}x${label.height}`,
      );
    }
    return { name: entry.name, height: image.height, width: image.width, image: image.data, label: this.mapLabel(label.data, label.width, entry.label) };
  }

  private mapLabel(values: Uint8Array, width: number, file: string): Uint8Array {
    const { table, allowed } = this.mapping;
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const id = table[values[i]];
      if (id < 0) {
        throw new Error(
          `label ${file} holds class id ${values[i]} at pixel (x=${i % width}, y=${Math.floor(i / width)}), ` +
            `out of range: valid values are ${allowed}`,
        );
      }
      out[i] = id;
    }
    return out;
  }
}

/** Reads a split list file: its non-empty, non-comment lines with their 1-based numbers. */
export function readListFile(file: string, what: string): Array<{ line: number; text: string }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} list file not found: ${file}`);
    throw new Error(`cannot read ${what} list file ${file}: ${(e as Error).message}`);
  }
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, text: raw.trim() }))
    .filter(({ text: t }) => t.length > 0 && !t.startsWith('#'));
}

/**
 * The fields of a list line: separated by white space, or by tabs when the
 * line has one; a field in double quotes may hold spaces (`"a b.png" "a b_L.png"`).
 */
export function listFields(text: string): string[] {
  if (text.includes('\t')) return text.split('\t').map((f) => f.trim()).filter((f) => f.length > 0).map(unquote);
  return Array.from(text.matchAll(/"([^"]*)"|(\S+)/g), (m) => m[1] ?? m[2]);
}

function unquote(field: string): string {
  return field.length >= 2 && field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1) : field;
}

/** The data root of a folder-based data set, with a clear error when unset or absent. */
export function requireRoot(root: string | undefined, type: string): string {
  if (!root) throw new Error(`data.root is required for the ${type} data set`);
  if (!fs.existsSync(root)) throw new Error(`data.root of the ${type} data set not found: ${root}`);
  return root;
}

/**
 * Files under `dir` (recursively) whose names end with `suffix`, as paths
 * relative to `dir`, sorted; a missing folder is an error naming it and `what`.
 */
export function filesWithSuffix(dir: string, suffix: string, what: string): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${what}: folder not found: ${dir}`);
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? path.join(rel, e.name) : e.name;
      // A linked folder (a data set assembled from several places) is walked like a folder.
      if (e.isDirectory() || (e.isSymbolicLink() && fs.statSync(path.join(dir, child)).isDirectory())) walk(child);
      else if (e.name.endsWith(suffix)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}
