/**
 * Config sections made from registries: the section of a component kind
 * (backbone, dense head, global head, data set options) accepts whatever each
 * registered component's own schema accepts, so adding a component never
 * touches the config files here. Parsed at parse time, so components
 * registered later (a user's data set) are accepted too.
 */
import { z } from 'zod';
import type { Registry } from '../util/registry';

/** What a section's raw input looks like before its component's schema has read it. */
export type SectionInput = { type?: string; [field: string]: unknown };

/**
 * The section of the components in `registry`, told apart by `type` (`defaultType`
 * when absent): checked against that component's schema, with errors at their
 * field's path and an unknown `type` named with the registered ones.
 */
export function registeredSection<C extends { type: string }>(
  registry: Registry<{ schema: z.ZodType<C> }>,
  defaultType?: string,
): z.ZodType<C, SectionInput> {
  const type = defaultType === undefined ? z.string() : z.string().default(defaultType);
  return z.looseObject({ type }).transform((raw, ctx) => {
    if (!registry.has(raw.type)) {
      const message = `unknown ${registry.kind} "${raw.type}" (registered: ${registry.names().join(', ') || 'none'})`;
      ctx.issues.push({ code: 'custom', message, path: ['type'], input: raw.type });
      return z.NEVER;
    }
    const parsed = registry.get(raw.type).schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: undefined });
      return z.NEVER;
    }
    return parsed.data;
  }) as unknown as z.ZodType<C, SectionInput>;
}

/**
 * `base` plus, under the name of each component in `registry` that has an
 * options schema, that component's options (optional); any other key is an error.
 */
export function withRegisteredOptions<B extends z.ZodRawShape>(
  base: B,
  registry: Registry<{ options?: z.ZodType }>,
): z.ZodType<z.infer<z.ZodObject<B>> & Record<string, unknown>, z.input<z.ZodObject<B>> & Record<string, unknown>> {
  return z.looseObject(base).transform((raw, ctx) => {
    const out: Record<string, unknown> = { ...raw };
    for (const key of Object.keys(raw)) {
      if (key in base) continue;
      const options = registry.has(key) ? registry.get(key).options : undefined;
      if (options === undefined) {
        ctx.issues.push({ code: 'custom', message: `unrecognized key "${key}" (options may be given for: ${optionNames(registry).join(', ') || 'none'})`, path: [key], input: raw[key] });
        continue;
      }
      const parsed = options.safeParse(raw[key]);
      if (parsed.success) out[key] = parsed.data;
      else for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, path: [key, ...issue.path], input: undefined });
    }
    return out as z.infer<z.ZodObject<B>> & Record<string, unknown>;
  }) as unknown as z.ZodType<z.infer<z.ZodObject<B>> & Record<string, unknown>, z.input<z.ZodObject<B>> & Record<string, unknown>>;
}

function optionNames(registry: Registry<{ options?: z.ZodType }>): string[] {
  return registry.names().filter((n) => registry.get(n).options !== undefined);
}
