// Parses a received body once, for the recorder and the routes: JSON, or multipart through busboy.

import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import type { RecordedFile } from './recorder.js';

export interface ParsedBody {
  raw: Buffer;
  /** Present when the body is JSON that parsed. */
  json?: unknown;
  /** Present when the body looked like JSON (or was empty where JSON was due) but did not parse. */
  jsonError?: unknown;
  /** Multipart text fields; repeated names collect into arrays. */
  fields?: Record<string, string | string[]>;
  files: RecordedFile[];
}

function parseMultipart(headers: IncomingHttpHeaders, raw: Buffer): Promise<ParsedBody> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    const files: RecordedFile[] = [];
    const parser = busboy({ headers, limits: { fileSize: 64 * 1024 * 1024 } });
    parser.on('field', (name, value) => {
      const existing = fields[name];
      if (existing === undefined) fields[name] = value;
      else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        files.push({
          field,
          filename: info.filename ?? '',
          mimeType: info.mimeType,
          data: Buffer.concat(chunks),
        }),
      );
    });
    parser.on('close', () => resolve({ raw, fields, files }));
    parser.on('error', reject);
    parser.end(raw);
  });
}

export async function parseBody(headers: IncomingHttpHeaders, raw: Buffer): Promise<ParsedBody> {
  const contentType = headers['content-type'] ?? '';
  if (/^multipart\/form-data/i.test(contentType)) {
    try {
      return await parseMultipart(headers, raw);
    } catch (error) {
      return { raw, jsonError: error, files: [] };
    }
  }
  if (raw.length === 0) return { raw, files: [] };
  const text = raw.toString('utf8');
  try {
    return { raw, json: JSON.parse(text), files: [] };
  } catch (error) {
    return { raw, jsonError: error, files: [] };
  }
}

/** What the recorder keeps as `body`: parsed JSON, multipart fields, raw text, or undefined. */
export function recordedBody(body: ParsedBody): unknown {
  if (body.json !== undefined) return body.json;
  if (body.fields) return body.fields;
  return body.raw.length > 0 ? body.raw.toString('utf8') : undefined;
}
