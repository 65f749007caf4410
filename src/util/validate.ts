/** Schema validation (zod) with errors that name every bad field by its path. */
import type { z } from 'zod';

/** Validates `raw` against `schema`; throws "invalid SOURCE:" followed by one "  path: message" line per issue. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid ${source}:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Validates one field `where` (a dotted path); throws "WHERE.sub.path: message" for its first issue. */
export function parseField<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${where}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`);
  }
  return result.data;
}
