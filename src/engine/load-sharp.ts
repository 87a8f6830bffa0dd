// sharp (libvips, ~30 MB resident) is loaded the first time an image must be decoded, encoded or
// drawn: a gateway that only relays images (retests off, no local channel, no Images-door
// transcoding) never loads it, and neither does the primary of `serve` with workers.
import type sharpFunction from 'sharp';

let loading: Promise<typeof sharpFunction> | undefined;

export function loadSharp(): Promise<typeof sharpFunction> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}
