// The gateway's input and connection limits with their defaults, in one place so docs/security.md,
// the doors and the image decoders agree. Byte limits are per request unless the name says otherwise.

/** Largest decoded image any sharp pipeline will accept (width × height); sharp refuses bigger inputs. */
export const maxInputPixels = 50_000_000;

/** Options for every `sharp(bytes, …)` call that reads bytes a client (or an upstream) sent. */
export const untrustedSharpOptions = { limitInputPixels: maxInputPixels } as const;

/**
 * Large bodies held in memory at once, summed over the requests in flight (`server.bodyMemoryBytes`):
 * each request body of 1 MiB or more with room for an answer of its size, and larger answers.
 * Beyond it requests wait before their body is read. The default keeps a replica's peak memory
 * near 600 MB (fits a 1 GiB container) with dozens of multi-MB edits in flight.
 */
export const defaultBodyMemoryBytes = 320 * 1024 * 1024;

/**
 * Decoded image pixels held at once in the process (`engine.pixelMemoryBytes`), summed over the
 * offline engine's edits, the Images door's transcodes and retest verdicts: a 156 KB PNG can decode
 * to 196 MB. Beyond it decodes wait (`engine.pixelWaitMs`, then 503). A 7000×7000 edit reserves
 * three copies (588 MB), so it runs alone and a replica stays under ~1 GB.
 */
export const defaultPixelMemoryBytes = 512 * 1024 * 1024;
export const defaultPixelWaitMs = 30_000;

/** Bodies smaller than this are not counted: they cannot add up to a memory problem. */
export const countedBodyBytes = 1024 * 1024;

/** HTTP server timeouts (milliseconds); each can be changed in the config file under `server:`. */
export interface ServerTimeouts {
  /** The whole request (headers and body) must arrive within this time, or 408 and close. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this time. */
  headersTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (slow readers, stalled clients). */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
}

export const defaultServerTimeouts: ServerTimeouts = {
  requestTimeoutMs: 60_000,
  headersTimeoutMs: 15_000,
  // Longer than the routing deadline (300 s): a unary call may wait that long in silence.
  idleTimeoutMs: 330_000,
  keepAliveTimeoutMs: 5_000,
};
