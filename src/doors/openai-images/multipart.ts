// Streams an `images/edits` multipart body with busboy: text fields, `image`/`image[]` files (≤16)
// and an optional `mask`, each file size-limited; a bad part is a 400/413 that names it.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { maxImagesPerEdit } from '../../canonical/openai-image-options.js';

export interface UploadedImage {
  data: Buffer;
  filename?: string;
  declaredMime?: string;
}

export interface ImagesEditMultipart {
  fields: Record<string, string>;
  images: UploadedImage[];
  mask?: UploadedImage;
}

export interface MultipartLimits {
  maxFileBytes: number;
  /** Images plus the mask. */
  maxFiles?: number;
  maxFields?: number;
  /** Longest text field value (a prompt), bytes. */
  maxFieldBytes?: number;
}

/** Accepts `image`, `image[]` and `image[3]` (clients differ in how they repeat a field). */
const imagePartName = /^image(\[\d*\])?$/;

function tooLarge(partName: string, limit: number): GatewayError {
  return errorCatalogue.FILE_TOO_LARGE(
    `The file in '${partName}' is larger than the ${limit}-byte limit per file. Send a smaller image.`,
    partName,
  );
}

export function parseImagesEditMultipart(
  stream: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: MultipartLimits,
): Promise<ImagesEditMultipart> {
  const maxFiles = limits.maxFiles ?? maxImagesPerEdit + 1;
  const maxFields = limits.maxFields ?? 32;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: GatewayError) => {
      if (settled) return;
      settled = true;
      reject(error);
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: headers as IncomingHttpHeaders,
        limits: {
          fileSize: limits.maxFileBytes,
          // One more than allowed, so the excess part reaches us and the error can name it.
          files: maxFiles + 1,
          fields: maxFields,
          fieldSize: limits.maxFieldBytes ?? 1024 * 1024,
        },
      });
    } catch (error) {
      fail(
        errorCatalogue.INVALID_MULTIPART(
          `Expected a multipart/form-data body with a boundary (${(error as Error).message}).`,
        ),
      );
      stream.resume();
      return;
    }

    const fields: Record<string, string> = {};
    const images: UploadedImage[] = [];
    let mask: UploadedImage | undefined;
    const pendingFiles: Promise<void>[] = [];

    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(errorCatalogue.FIELD_TOO_LARGE(`The field '${name}' is too long.`, name));
        return;
      }
      fields[name] = value;
    });

    parser.on('file', (partName, file, info) => {
      const isImage = imagePartName.test(partName);
      if (!isImage && partName !== 'mask') {
        fail(
          errorCatalogue.INVALID_MULTIPART(
            `Unexpected file part '${partName}'; send images as 'image' (or repeated 'image[]') and the mask as 'mask'.`,
            partName,
          ),
        );
        file.resume();
        return;
      }
      if (isImage && images.length >= maxImagesPerEdit) {
        fail(
          errorCatalogue.INVALID_VALUE(
            `Too many files in 'image': at most ${maxImagesPerEdit} images can be edited in one request.`,
            'image',
          ),
        );
        file.resume();
        return;
      }
      if (partName === 'mask' && mask !== undefined) {
        fail(errorCatalogue.INVALID_VALUE(`Only one 'mask' file is allowed.`, 'mask'));
        file.resume();
        return;
      }
      const upload: UploadedImage = { data: Buffer.alloc(0) };
      if (info.filename) upload.filename = info.filename;
      if (info.mimeType && info.mimeType !== 'application/octet-stream') upload.declaredMime = info.mimeType;
      if (isImage) images.push(upload);
      else mask = upload;

      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.on('limit', () => fail(tooLarge(partName, limits.maxFileBytes)));
      pendingFiles.push(
        new Promise((resolveFile) => {
          file.on('close', () => {
            upload.data = Buffer.concat(chunks);
            if (upload.data.length === 0)
              fail(errorCatalogue.INVALID_VALUE(`The file in '${partName}' is empty.`, partName));
            resolveFile();
          });
        }),
      );
    });

    parser.on('filesLimit', () =>
      fail(
        errorCatalogue.INVALID_VALUE(
          `Too many files: at most ${maxImagesPerEdit} images and one mask.`,
          'image',
        ),
      ),
    );
    parser.on('fieldsLimit', () =>
      fail(errorCatalogue.INVALID_MULTIPART(`Too many form fields (at most ${maxFields}).`)),
    );
    parser.on('error', (error: Error) =>
      fail(errorCatalogue.INVALID_MULTIPART(`Malformed multipart body: ${error.message}`)),
    );
    parser.on('close', () => {
      void Promise.all(pendingFiles).then(() => {
        if (settled) return;
        settled = true;
        resolve(mask ? { fields, images, mask } : { fields, images });
      });
    });
    stream.on('error', (error: Error) =>
      fail(errorCatalogue.INVALID_MULTIPART(`The request body could not be read: ${error.message}`)),
    );
    stream.pipe(parser);
  });
}
