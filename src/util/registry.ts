/**
 * Name → component registries. Each backbone and head file registers itself
 * under a name; the segmentor is assembled from a `ModelConfig` by looking
 * those names up, so adding a component never touches the builder.
 */

/** A table of components of one kind, keyed by name. */
export class Registry<T> {
  private readonly entries = new Map<string, T>();

  /** @param kind what the registry holds, for error messages (e.g. `backbone`) */
  constructor(readonly kind: string) {}

  /** Adds `entry` under `name`; registering a name twice is an error. */
  register(name: string, entry: T): T {
    if (this.entries.has(name)) throw new Error(`${this.kind} "${name}" is already registered`);
    this.entries.set(name, entry);
    return entry;
  }

  /** The entry registered under `name`; the error lists the known names. */
  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new Error(`unknown ${this.kind} "${name}" (registered: ${this.names().join(', ') || 'none'})`);
    }
    return entry;
  }

  /** Whether `name` is registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }
}
