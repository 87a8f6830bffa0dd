// A Gemini-wire upstream on loopback that answers every call with one image and whatever
// usageMetadata the test sets: upstream usage is upstream text, so tests feed it hostile numbers.
import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

export interface UsageUpstream {
  url: string;
  /** The usageMetadata of the next answers (undefined: none). */
  setUsage(usage: unknown): void;
  close(): Promise<void>;
}

export async function startUsageUpstream(imageBase64: string, modelVersion?: string): Promise<UsageUpstream> {
  let usage: unknown;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          candidates: [
            {
              content: {
                role: 'model',
                parts: [{ inlineData: { mimeType: 'image/png', data: imageBase64 } }],
              },
              finishReason: 'STOP',
            },
          ],
          usageMetadata: usage,
          modelVersion,
        }),
      );
    });
  });
  return {
    ...(await listenOnLoopback(server)),
    setUsage: (next) => {
      usage = next;
    },
  };
}
