/**
 * The pictures of a training run from its `metrics.jsonl`: loss terms and
 * learning rate over iterations, with validation mIoU where the run evaluated
 * (`train.evalInterval`), written to `<run>/report/` with a Markdown page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic_write';
import { trainingCurvesChart, type CurvePoint } from './charts';
import { chartMarkdown, writeChart } from './render';

/** One line of metrics.jsonl (a training step, or a validation). */
interface LogRecord {
  iteration?: number;
  lr?: number;
  loss?: number;
  ce?: number;
  cls?: number;
  valMIoU?: number;
}

/** The records of a run's log; a torn last line (a killed run) is skipped, any other bad line is an error naming it. */
export function readMetricsLog(file: string): LogRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file}: no training log here (is it a run folder of guideseg train?)`);
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const lines = text.split('\n');
  const out: LogRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as LogRecord);
    } catch {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) throw new Error(`${file} line ${i + 1}: not JSON`);
    }
  });
  return out;
}

/** Running mean over `window` points (the curves of noisy per-step losses). */
function runningMean(points: CurvePoint[], window: number): CurvePoint[] {
  if (window <= 1) return points;
  let sum = 0;
  return points.map((p, i) => {
    sum += p.value;
    if (i >= window) sum -= points[i - window].value;
    return { iteration: p.iteration, value: sum / Math.min(i + 1, window) };
  });
}

/** Writes `<outDir>/training.{svg,png}` and `training.md` for the run in `runDir`; returns the Markdown path. */
export async function writeTrainingReport(runDir: string, outDir: string = path.join(runDir, 'report')): Promise<string> {
  const records = readMetricsLog(path.join(runDir, 'metrics.jsonl'));
  const steps = records.filter((r) => typeof r.iteration === 'number' && typeof r.loss === 'number');
  if (!steps.length) throw new Error(`${path.join(runDir, 'metrics.jsonl')}: no training step logged yet`);
  const series = (key: 'loss' | 'ce' | 'cls') => steps.filter((r) => typeof r[key] === 'number').map((r) => ({ iteration: r.iteration!, value: r[key]! }));
  const window = Math.max(1, Math.round(steps.length / 50));
  const suffix = window > 1 ? ` (mean of ${window} steps)` : '';
  const losses: Record<string, CurvePoint[]> = {};
  const cls = series('cls');
  // Without a cls term the total is ce: one curve.
  if (cls.length) losses[`loss${suffix}`] = runningMean(series('loss'), window);
  losses[`ce${suffix}`] = runningMean(series('ce'), window);
  if (cls.length) losses[`cls${suffix}`] = runningMean(cls, window);
  const valMIoU = records.filter((r) => typeof r.valMIoU === 'number').map((r) => ({ iteration: r.iteration!, value: 100 * r.valMIoU! }));
  const lr = steps.filter((r) => typeof r.lr === 'number').map((r) => ({ iteration: r.iteration!, value: r.lr! }));
  const name = path.basename(path.resolve(runDir));
  const files = await writeChart(outDir, 'training', trainingCurvesChart({ title: `training run ${name}`, losses, lr, valMIoU }));
  const best = valMIoU.reduce<CurvePoint | null>((b, p) => (!b || p.value > b.value ? p : b), null);
  const last = steps[steps.length - 1];
  const md = [
    `# Training run ${name}`,
    '',
    `${last.iteration} iterations logged; last loss ${last.loss!.toFixed(4)}.` +
      (best ? ` Best validation mIoU ${best.value.toFixed(2)} % at iteration ${best.iteration} (${valMIoU.length} evaluations).` : ' No validation during training (set train.evalInterval).'),
    '',
    chartMarkdown('Loss terms, learning rate and validation mIoU', files),
  ].join('\n');
  const file = path.join(outDir, 'training.md');
  await writeFileAtomic(file, md);
  return file;
}
