/** The guideseg page: load the shipped model, segment a dropped image, show g next to the pixels. */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { load, type WebSegmentation, type WebSegmenter } from '../segmenter';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** The largest image the page segments (pixels): the CRF and the candidates grow with it. */
const MAX_PIXELS = 4096 * 4096;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusBox = $('load-status');
const statusText = $('status-text');
const progressBar = $('progress-bar');
const message = $<HTMLParagraphElement>('message');
const timings = $('timings');
const results = $('results');
const crfBox = $<HTMLInputElement>('crf');
const wSlider = $<HTMLInputElement>('crf-w');
const lambdaSlider = $<HTMLInputElement>('crf-lambda');
const candidates = $<HTMLSelectElement>('candidates');

let segmenter: WebSegmenter | null = null;
let current: ImageBitmap | null = null;
let chart: Chart | null = null;
let running = Promise.resolve();

function showMessage(text: string | null): void {
  message.hidden = text === null;
  message.textContent = text ?? '';
}

function rgb(c: readonly number[]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Draws a label map in the palette's colours, blended over `image` by `alpha` (1 = colours only). */
function drawLabels(canvas: HTMLCanvasElement, labels: Uint8Array, width: number, height: number, palette: ReadonlyArray<readonly number[]>, image?: ImageData, alpha = 1): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const c = palette[labels[i]] ?? [0, 0, 0];
    for (let k = 0; k < 3; k++) out.data[4 * i + k] = image ? alpha * c[k] + (1 - alpha) * image.data[4 * i + k] : c[k];
    out.data[4 * i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

function drawResult(bitmap: ImageBitmap, r: WebSegmentation, s: WebSegmenter): void {
  const imageCanvas = $<HTMLCanvasElement>('view-image');
  imageCanvas.width = r.width;
  imageCanvas.height = r.height;
  const ctx = imageCanvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  const pixels = ctx.getImageData(0, 0, r.width, r.height);
  drawLabels($<HTMLCanvasElement>('view-unary'), r.unaryLabels, r.width, r.height, s.palette);
  drawLabels($<HTMLCanvasElement>('view-crf'), r.labels, r.width, r.height, s.palette);
  drawLabels($<HTMLCanvasElement>('view-overlay'), r.labels, r.width, r.height, s.palette, pixels, 0.5);
  $('crf-caption').textContent = r.pipeline.crf ? `After the guidance CRF (w ${r.pipeline.crf.w}, λ ${r.pipeline.crf.lambda}, r ${r.pipeline.crf.r}, T ${r.pipeline.crf.T})` : 'CRF off: the per-pixel prediction as it is';
  const presence = r.globalScores ? Array.from(r.globalScores, (g) => 1 / (1 + Math.exp(-g))) : s.classes.map(() => 0);
  const colours = s.palette.map(rgb);
  if (!chart) {
    chart = new Chart($<HTMLCanvasElement>('view-global'), {
      type: 'bar',
      data: { labels: [...s.classes], datasets: [{ data: presence, backgroundColor: colours, borderColor: '#333', borderWidth: 0.5 }] },
      options: {
        indexAxis: 'y',
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { min: 0, max: 1, title: { display: true, text: 'sigmoid(g)' } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${(c.parsed.x as number).toFixed(3)}` } } },
      },
    });
  } else {
    chart.data.datasets[0].data = presence;
    chart.update();
  }
  results.hidden = false;
  const cands = r.pipeline.scales.length * (r.pipeline.flip ? 2 : 1);
  timings.textContent = `${r.width}×${r.height}: network ${r.timings.network.toFixed(0)} ms (${cands} candidate${cands > 1 ? 's' : ''}, ${s.threads} thread${s.threads > 1 ? 's' : ''}), CRF ${r.timings.crf.toFixed(0)} ms`;
  // For automation (the browser test): what the page shows, as plain arrays.
  (window as unknown as Record<string, unknown>).guidesegResult = {
    width: r.width,
    height: r.height,
    labels: Array.from(r.labels),
    globalScores: r.globalScores ? Array.from(r.globalScores) : null,
    bars: presence,
    pipeline: r.pipeline,
  };
  document.body.dataset.state = 'done';
}

function options() {
  const six = candidates.value === 'six';
  return {
    ensemble: six ? true : undefined,
    crf: crfBox.checked ? { w: Number(wSlider.value), lambda: Number(lambdaSlider.value) } : false,
  } as const;
}

function run(): void {
  const s = segmenter;
  const bitmap = current;
  if (!s || !bitmap) return;
  document.body.dataset.state = 'running';
  timings.textContent = 'Segmenting…';
  running = running.then(async () => {
    try {
      drawResult(bitmap, await s.segment(bitmap, options()), s);
    } catch (err) {
      showMessage(`Could not segment this image: ${(err as Error).message}`);
      document.body.dataset.state = 'error';
    }
  });
}

async function takeFile(file: File): Promise<void> {
  showMessage(null);
  if (!file.type.startsWith('image/')) {
    showMessage(`“${file.name}” is not an image (${file.type || 'unknown type'}). Choose a PNG, JPEG or WebP photo.`);
    document.body.dataset.state = 'rejected';
    return;
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    showMessage(`“${file.name}” could not be read as an image.`);
    document.body.dataset.state = 'rejected';
    return;
  }
  if (bitmap.width * bitmap.height > MAX_PIXELS) {
    showMessage(`“${file.name}” is ${bitmap.width}×${bitmap.height}: too large for this page (at most ${MAX_PIXELS / 1e6 | 0} megapixels). Scale it down first.`);
    document.body.dataset.state = 'rejected';
    return;
  }
  current = bitmap;
  run();
}

function wire(): void {
  const drop = $('drop');
  const input = $<HTMLInputElement>('file');
  input.addEventListener('change', () => input.files?.[0] && takeFile(input.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void takeFile(file);
  });
  const show = () => {
    $('crf-w-value').textContent = wSlider.value;
    $('crf-lambda-value').textContent = lambdaSlider.value;
    wSlider.disabled = lambdaSlider.disabled = !crfBox.checked;
  };
  for (const el of [crfBox, wSlider, lambdaSlider, candidates]) {
    el.addEventListener('input', show);
    el.addEventListener('change', run);
  }
  show();
}

async function start(): Promise<void> {
  wire();
  try {
    segmenter = await load(new URL('model/', document.baseURI).href, {
      onProgress: (f) => {
        progressBar.style.width = `${(100 * f).toFixed(0)}%`;
        statusText.textContent = `Loading the model… ${(100 * f).toFixed(0)} %`;
      },
    });
  } catch (err) {
    statusText.textContent = `The model could not be loaded: ${(err as Error).message}`;
    document.body.dataset.state = 'error';
    return;
  }
  const crf = segmenter.stored.crf;
  wSlider.value = String(crf?.w ?? 5);
  lambdaSlider.value = String(crf?.lambda ?? 0);
  crfBox.checked = crf !== undefined;
  $('crf-w-value').textContent = wSlider.value;
  $('crf-lambda-value').textContent = lambdaSlider.value;
  const legend = $('legend');
  legend.innerHTML = '';
  segmenter.classes.forEach((name, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.style.background = rgb(segmenter!.palette[i]);
    li.append(swatch, name);
    legend.append(li);
  });
  for (const el of [crfBox, candidates, $<HTMLInputElement>('file')]) el.disabled = false;
  wSlider.disabled = lambdaSlider.disabled = !crfBox.checked;
  statusBox.classList.add('done');
  statusText.textContent = `Model ready (${segmenter.classes.length} classes, ${segmenter.threads} network thread${segmenter.threads > 1 ? 's' : ''}). Drop a street photo.`;
  document.body.dataset.state = 'ready';
}

void start();
