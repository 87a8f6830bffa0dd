// Reads a recorded multipart/form-data body into its fields and files, in the order they were sent.
import busboy from 'busboy';
import type { RecordedRequest } from './recording-upstream.js';
import type { ExpectedFile } from './wire-case.js';

export interface MultipartParts {
  fields: [string, string][];
  files: ExpectedFile[];
}

export function readMultipart(request: RecordedRequest): Promise<MultipartParts> {
  return new Promise((resolve, reject) => {
    const parts: MultipartParts = { fields: [], files: [] };
    const parser = busboy({ headers: request.headers });
    parser.on('field', (name, value) => parts.fields.push([name, value]));
    parser.on('file', (field, stream, info) => {
      const pieces: Buffer[] = [];
      stream.on('data', (piece: Buffer) => pieces.push(piece));
      stream.on('end', () =>
        parts.files.push({
          field,
          filename: info.filename ?? '',
          mimeType: info.mimeType,
          data: Buffer.concat(pieces).toString('base64'),
        }),
      );
    });
    parser.on('close', () => resolve(parts));
    parser.on('error', reject);
    parser.end(request.body);
  });
}
