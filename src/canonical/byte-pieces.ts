// Bytes that arrived as several buffers (the socket chunks of one streamed event), read as one text
// without joining them: searches run piece by piece, and only a slice that spans pieces is copied.
// Pure.

export class BytePieces {
  readonly length: number;
  /** Offset of each piece's first byte in the whole. */
  private readonly starts: number[];

  constructor(readonly pieces: readonly Buffer[]) {
    this.starts = [];
    let offset = 0;
    for (const piece of pieces) {
      this.starts.push(offset);
      offset += piece.length;
    }
    this.length = offset;
  }

  /** The byte at `index`, or undefined past the end. */
  at(index: number): number | undefined {
    if (index < 0 || index >= this.length) return undefined;
    const piece = this.pieceAt(index);
    return this.pieces[piece][index - this.starts[piece]];
  }

  /** The first `byte` at or after `from` and before `end` (default: the end), or -1. */
  indexOfByte(byte: number, from: number, end = this.length): number {
    for (let piece = this.pieceAt(Math.max(0, from)); piece < this.pieces.length; piece += 1) {
      const start = this.starts[piece];
      if (start >= end) return -1;
      const local = this.pieces[piece]
        .subarray(0, Math.min(this.pieces[piece].length, end - start))
        .indexOf(byte, Math.max(0, from - start));
      if (local >= 0) return start + local;
    }
    return -1;
  }

  /** The first `sequence` starting at or after `from` and ending by `end` (default: the end), or -1. */
  indexOfSequence(sequence: Buffer, from: number, end = this.length): number {
    const reach = sequence.length - 1;
    for (let piece = this.pieceAt(Math.max(0, from)); piece < this.pieces.length; piece += 1) {
      const start = this.starts[piece];
      if (start >= end) return -1;
      const own = this.pieces[piece];
      const localFrom = Math.max(0, from - start);
      const inside = own.subarray(0, Math.min(own.length, end - start)).indexOf(sequence, localFrom);
      if (inside >= 0) return start + inside;
      // A match that starts in this piece and ends in a later one.
      const seamStart = Math.max(start + localFrom, start + own.length - reach);
      const seam = this.slice(seamStart, Math.min(end, seamStart + 2 * reach));
      const across = seam.indexOf(sequence);
      if (across >= 0 && seamStart + across < start + own.length) return seamStart + across;
    }
    return -1;
  }

  /** Bytes `from`..`to`: a view when they lie in one piece, else a copy. */
  slice(from: number, to: number): Buffer {
    if (to <= from) return Buffer.alloc(0);
    const first = this.pieceAt(from);
    const last = this.pieceAt(to - 1);
    if (first === last)
      return this.pieces[first].subarray(from - this.starts[first], to - this.starts[first]);
    return Buffer.concat(this.views(from, to));
  }

  /** Bytes `from`..`to` as views of the pieces, without copying. */
  views(from: number, to: number): Buffer[] {
    const views: Buffer[] = [];
    if (to <= from) return views;
    for (let piece = this.pieceAt(from); piece < this.pieces.length && this.starts[piece] < to; piece += 1) {
      const start = this.starts[piece];
      views.push(
        this.pieces[piece].subarray(
          Math.max(0, from - start),
          Math.min(this.pieces[piece].length, to - start),
        ),
      );
    }
    return views;
  }

  /** The piece holding byte `index` (the last piece for an index past the end). */
  private pieceAt(index: number): number {
    let low = 0;
    let high = this.pieces.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
