// Who placed a hold: `host:pid:nonce` of the gateway process. Crash recovery releases a hold only
// when its owner is certainly gone (same host and its pid is dead or reused), or when the hold is
// older than any live request can be (another host's process that died). Never a live one's.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface HoldOwner {
  host: string;
  pid: number;
  nonce: string;
}

export function newHoldOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

export function parseHoldOwner(owner: string | null): HoldOwner | undefined {
  const match = owner ? /^(.*):(\d+):([0-9a-f]+)$/.exec(owner) : null;
  return match ? { host: match[1], pid: Number(match[2]), nonce: match[3] } : undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when the process that owns a hold can no longer settle it. `self` is this process's own
 * owner string; a hold of a process on another host is judged by age alone (caller's job).
 */
export function ownerIsGone(
  owner: string | null,
  self: string,
  alive: (pid: number) => boolean = processIsAlive,
): boolean {
  if (owner === self) return false;
  const parsed = parseHoldOwner(owner);
  const me = parseHoldOwner(self);
  if (!parsed || !me) return owner === null;
  if (parsed.host !== me.host) return false;
  // Same host: a pid equal to ours belongs to an earlier process whose pid was reused (containers).
  if (parsed.pid === me.pid) return true;
  return !alive(parsed.pid);
}
