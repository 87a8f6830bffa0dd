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
  while (stackSize > 0) {
    const pixel = stack[--stackSize];
    visit(pixel);
    visited += 1;
    const x = pixel % width;
    const neighbours = [
      x > 0 ? pixel - 1 : -1,
      x < width - 1 ? pixel + 1 : -1,
      pixel >= width ? pixel - width : -1,
      pixel < width * (height - 1) ? pixel + width : -1,
    ];
    for (const neighbour of neighbours) {
      if (neighbour >= 0 && !reached[neighbour] && accept(neighbour)) {
        reached[neighbour] = 1;
        stack[stackSize++] = neighbour;
      }
    }
  }
  return visited;
}
