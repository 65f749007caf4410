/** Append-only JSONL log of training metrics: one JSON object per line. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/atomic_write';

export class MetricsLog {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  /** Appends one record; each line is written whole, so a crash never leaves half a line mid-file. */
  write(record: Record<string, unknown>): void {
    fs.appendFileSync(this.file, JSON.stringify(record) + '\n');
  }

  /** Keeps only records with `iteration <= upTo` (used on resume so the log has no duplicates). */
  truncateAfter(upTo: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          const rec = JSON.parse(line) as { iteration?: number };
          return rec.iteration === undefined || rec.iteration <= upTo;
        } catch {
          return false; // a torn last line from a killed run
        }
      });
    writeFileAtomicSync(this.file, kept.map((l) => l + '\n').join(''));
  }
}
