/**
 * Progress display of a training run: a live bar (loss and its terms, lr,
 * images/s) on a terminal, plain periodic lines otherwise (log files, CI).
 */
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressFields {
  loss: number;
  /** The loss terms by name (`ce`, `cls`), shown beside the total. */
  terms?: Record<string, number>;
  lr: number;
  imagesPerSecond: number;
}

export class TrainProgress {
  private readonly bar: SingleBar | null;

  constructor(
    private readonly total: number,
    start: number,
    private readonly logInterval: number,
    interactive = Boolean(process.stderr.isTTY),
  ) {
    if (interactive) {
      this.bar = new SingleBar(
        {
          format: 'train |{bar}| {value}/{total} | loss {loss}{terms} | lr {lr} | {ips} img/s | eta {eta_formatted}',
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      this.bar.start(total, start, { loss: '-', terms: '', lr: '-', ips: '-' });
    } else {
      this.bar = null;
    }
  }

  update(iteration: number, fields: ProgressFields): void {
    const terms = Object.entries(fields.terms ?? {}).map(([name, v]) => `${name} ${v.toFixed(4)}`);
    const payload = {
      loss: fields.loss.toFixed(4),
      terms: terms.length ? ` (${terms.join(', ')})` : '',
      lr: fields.lr.toExponential(2),
      ips: fields.imagesPerSecond.toFixed(2),
    };
    if (this.bar) this.bar.update(iteration, payload);
    else if (iteration % this.logInterval === 0 || iteration === this.total) {
      process.stderr.write(
        `iter ${iteration}/${this.total} loss ${payload.loss}${payload.terms} lr ${payload.lr} ${payload.ips} img/s\n`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}
