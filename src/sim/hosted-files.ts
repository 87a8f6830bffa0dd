// Images the simulator "hosts" for the url-image fault and OpenAI `response_format: url`,
// served back at `/sim-files/<id>.png`.

import { randomBytes } from 'node:crypto';

export class HostedFiles {
  private readonly files = new Map<string, { data: Buffer; mimeType: string }>();

  constructor(private readonly baseUrl: () => string) {}

  /** Stores the image and returns its absolute URL on the simulator. */
  host(data: Buffer, mimeType: string): string {
    const extension = mimeType === 'image/jpeg' ? 'jpg' : mimeType === 'image/webp' ? 'webp' : 'png';
    const name = `${randomBytes(9).toString('hex')}.${extension}`;
    this.files.set(name, { data, mimeType });
    return `${this.baseUrl()}/sim-files/${name}`;
  }

  get(name: string): { data: Buffer; mimeType: string } | undefined {
    return this.files.get(name);
  }

  clear(): void {
    this.files.clear();
  }
}
