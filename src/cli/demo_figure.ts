/**
 * The demo's figure in the spirit of the paper's Fig. 1, one row per image:
 * the image, the global class-presence scores sigmoid(g) as bars in class
 * colours, the unary's argmax, the CRF result, and the ground truth.
 */
import sharp from 'sharp';
import { IGNORE_INDEX } from '../data/types';

/** What one row of the figure shows. */
export interface FigureRow {
  name: string;
  width: number;
  height: number;
  image: Uint8Array;
  /** Global scores g per class (null for a baseline model). */
  global: Float32Array | null;
  unaryLabels: Uint8Array;
  crfLabels: Uint8Array;
  truth: Uint8Array;
}

const TILE_W = 320;
const TITLE_H = 22;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A label map in class colours (ignore pixels black), as a sharp input. */
function colourise(labels: Uint8Array, width: number, height: number, palette: ReadonlyArray<readonly number[]>): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i] === IGNORE_INDEX ? [0, 0, 0] : palette[labels[i]] ?? [255, 255, 255];
    rgb[3 * i] = c[0];
    rgb[3 * i + 1] = c[1];
    rgb[3 * i + 2] = c[2];
  }
  return rgb;
}

/** The bar chart of sigmoid(g) as SVG, `w` x `h` pixels. */
function presenceBars(global: Float32Array | null, classes: readonly string[], palette: ReadonlyArray<readonly number[]>, w: number, h: number): string {
  const rowH = h / classes.length;
  const labelW = 92;
  const parts = [`<rect width="${w}" height="${h}" fill="white"/>`];
  classes.forEach((name, l) => {
    const y = l * rowH;
    const p = global ? 1 / (1 + Math.exp(-global[l])) : 0;
    const [r, g, b] = palette[l] ?? [128, 128, 128];
    parts.push(
      `<text x="${labelW - 4}" y="${y + rowH * 0.72}" font-family="DejaVu Sans, sans-serif" font-size="${Math.min(12, rowH * 0.7).toFixed(1)}" text-anchor="end">${escapeXml(name)}</text>`,
      `<rect x="${labelW}" y="${y + 2}" width="${((w - labelW - 40) * p).toFixed(1)}" height="${rowH - 4}" fill="rgb(${r},${g},${b})" stroke="#444" stroke-width="0.5"/>`,
      `<text x="${labelW + (w - labelW - 40) * p + 3}" y="${y + rowH * 0.72}" font-family="DejaVu Sans, sans-serif" font-size="${Math.min(11, rowH * 0.65).toFixed(1)}">${global ? p.toFixed(2) : '–'}</text>`,
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
}

function titleSvg(text: string, w: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${TITLE_H}"><rect width="${w}" height="${TITLE_H}" fill="white"/>` +
      `<text x="${w / 2}" y="16" font-family="DejaVu Sans, sans-serif" font-size="13" text-anchor="middle">${escapeXml(text)}</text></svg>`,
  );
}

/** Writes the figure of `rows` as a PNG at `file`. */
export async function writeFigure(
  file: string,
  rows: FigureRow[],
  classes: readonly string[],
  palette: ReadonlyArray<readonly number[]>,
): Promise<void> {
  const titles = ['image', 'global scores sigmoid(g)', 'unary argmax', 'guidance CRF', 'ground truth'];
  const tileH = Math.round((TILE_W * rows[0].height) / rows[0].width);
  const rowH = tileH + TITLE_H;
  const composites: Array<{ input: Buffer; left: number; top: number }> = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const raw = { raw: { width: row.width, height: row.height, channels: 3 as const } };
    const tiles = [
      sharp(Buffer.from(row.image), raw),
      sharp(Buffer.from(presenceBars(row.global, classes, palette, TILE_W, tileH))),
      sharp(colourise(row.unaryLabels, row.width, row.height, palette), raw),
      sharp(colourise(row.crfLabels, row.width, row.height, palette), raw),
      sharp(colourise(row.truth, row.width, row.height, palette), raw),
    ];
    for (let c = 0; c < tiles.length; c++) {
      const input = await tiles[c].resize(TILE_W, tileH, { fit: 'fill' }).png().toBuffer();
      const title = c === 0 ? row.name : titles[c];
      composites.push({ input: titleSvg(title, TILE_W), left: c * TILE_W, top: r * rowH });
      composites.push({ input, left: c * TILE_W, top: r * rowH + TITLE_H });
    }
  }
  await sharp({ create: { width: TILE_W * 5, height: rowH * rows.length, channels: 3, background: 'white' } })
    .composite(composites)
    .png()
    .toFile(file);
}
