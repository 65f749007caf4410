import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { registeredSection, withRegisteredOptions } from '../../src/util/registry_sections';
import { Registry } from '../../src/util/registry';

test('registeredSection and withRegisteredOptions read the registry when parsing, not when built', () => {
  const registry = new Registry<{ schema: z.ZodType<{ type: string; n: number }>; options?: z.ZodType }>('widget');
  const section = registeredSection(registry, 'a');
  const options = withRegisteredOptions({ type: z.string() }, registry);
  assert.equal(section.safeParse({}).success, false);
  registry.register('a', { schema: z.object({ type: z.literal('a'), n: z.number().default(1) }).strict(), options: z.object({ k: z.boolean() }).strict() });
  assert.deepEqual(section.parse({}), { type: 'a', n: 1 });
  assert.deepEqual(options.parse({ type: 'x', a: { k: true } }), { type: 'x', a: { k: true } });
  assert.throws(() => options.parse({ type: 'x', b: {} }), /unrecognized key \\"b\\"/);
});
