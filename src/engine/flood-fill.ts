// 4-connected flood fill over a width × height pixel grid, shared by background replacement and the
// retest verdict's region search.

/**
 * Visits every pixel reachable from the seeds through pixels for which `accept` holds, marking each
 * in `reached` (pass the same array across calls to label several regions). Returns how many were visited.
 */
export function floodFill(
  width: number,
  height: number,
  seeds: Iterable<number>,
  accept: (pixel: number) => boolean,
  visit: (pixel: number) => void,
  reached: Uint8Array = new Uint8Array(width * height),
): number {
  const stack = new Int32Array(width * height);
  let stackSize = 0;
  for (const seed of seeds) {
    if (!reached[seed] && accept(seed)) {
      reached[seed] = 1;
      stack[stackSize++] = seed;
    }
  }
  let visited = 0;
  const push = (neighbour: number): void => {
    if (!reached[neighbour] && accept(neighbour)) {
      reached[neighbour] = 1;
      stack[stackSize++] = neighbour;
    }
  };
  while (stackSize > 0) {
    const pixel = stack[--stackSize];
    visit(pixel);
    visited += 1;
    const x = pixel % width;
    if (x > 0) push(pixel - 1);
    if (x < width - 1) push(pixel + 1);
    if (pixel >= width) push(pixel - width);
    if (pixel < width * (height - 1)) push(pixel + width);
  }
  return visited;
}
