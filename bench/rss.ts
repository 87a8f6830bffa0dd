// Memory of a process tree from /proc: peak (VmHWM) and current (VmRSS) resident set, summed over
// a process and its descendants (nginx's workers), and a reset of the peak between rows.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces; the parent pid follows the state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(pid);
    children.set(parent, siblings);
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1) tree.push(...(children.get(tree[index]) ?? []));
  return tree;
}

function statusKilobytes(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of the peak RSS of every process in the tree, in MB (peaks of different processes may not coincide). */
export function peakRssMegabytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + statusKilobytes(pid, 'VmHWM'), 0) / 1024;
}

export function currentRssMegabytes(root: number): number {
  return processTree(root).reduce((sum, pid) => sum + statusKilobytes(pid, 'VmRSS'), 0) / 1024;
}

/** Sets VmHWM back to the current RSS (Linux clear_refs "5"), so warm-up does not count. */
export function resetPeakRss(root: number): boolean {
  let all = true;
  for (const pid of processTree(root)) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      all = false;
    }
  }
  return all;
}
