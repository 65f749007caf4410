/** "Poly" learning rate of docs/method.md §1: baseLr · (1 − iter/maxIter)^power. */
export function polyLearningRate(baseLr: number, iteration: number, maxIterations: number, power: number): number {
  const progress = Math.min(Math.max(iteration / maxIterations, 0), 1);
  return baseLr * Math.pow(1 - progress, power);
}
