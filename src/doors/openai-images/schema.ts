// Zod schemas for the OpenAI Images door: `images/generations` JSON and `images/edits` (multipart
// fields or the JSON form). Multipart values arrive as strings, so numbers and booleans coerce.
import { z } from 'zod';
import type { GatewayError } from '../../canonical/errors.js';
import { errorCatalogue } from '../../canonical/error-catalogue.js';
import { describeIssue, formatPath, issuePath } from '../../catalog/describe-issue.js';
import { maxImagesPerEdit } from '../../canonical/openai-image-options.js';
import { maxSizeSide, minSizeSide, parsePixelSize } from '../../canonical/openai-size-mapping.js';

/** `"3"` → 3 (multipart); numbers pass; anything else is left for zod to reject. */
function integerField(minimum: number, maximum: number) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number().int().min(minimum).max(maximum),
  );
}

/** `"true"`/`"false"` → boolean (multipart); booleans pass. */
const booleanField = z.preprocess((value) => {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}, z.boolean());

export const sizeField = z.string().refine(
  (value) => {
    if (value === 'auto') return true;
    const size = parsePixelSize(value);
    return (
      size !== undefined &&
      Math.min(size.width, size.height) >= minSizeSide &&
      Math.max(size.width, size.height) <= maxSizeSide
    );
  },
  {
    error: `expected "auto" or WIDTHxHEIGHT with sides ${minSizeSide}..${maxSizeSide} (e.g. "1024x1024", "1536x1024", "1024x1536")`,
  },
);

export const qualityValues = ['auto', 'low', 'medium', 'high', 'standard', 'hd'] as const;
export const backgroundValues = ['auto', 'transparent', 'opaque'] as const;
export const outputFormatValues = ['png', 'jpeg', 'webp'] as const;
export const responseFormatValues = ['b64_json', 'url'] as const;

export type ImagesOutputFormat = (typeof outputFormatValues)[number];
export type ImagesBackground = (typeof backgroundValues)[number];
export type ImagesResponseFormat = (typeof responseFormatValues)[number];

/** Fields shared by generations and edits. Unknown fields are kept (and ignored) like the SDK's extras. */
const commonFields = {
  model: z.string().min(1).optional(),
  prompt: z.string().min(1),
  n: integerField(1, 10).optional(),
  size: sizeField.optional(),
  quality: z.enum(qualityValues).optional(),
  background: z.enum(backgroundValues).optional(),
  output_format: z.enum(outputFormatValues).optional(),
  output_compression: integerField(0, 100).optional(),
  response_format: z.enum(responseFormatValues).optional(),
  stream: booleanField.optional(),
  partial_images: integerField(0, 3).optional(),
  user: z.string().optional(),
  moderation: z.enum(['auto', 'low']).optional(),
  style: z.enum(['vivid', 'natural']).optional(),
};

export const imagesGenerationsBodySchema = z.looseObject(commonFields);
export type ImagesGenerationsBody = z.infer<typeof imagesGenerationsBodySchema>;

const imageReference = z.union(
  [z.strictObject({ image_url: z.string().min(1) }), z.strictObject({ file_id: z.string().min(1) })],
  { error: 'expected {"image_url": "https://…" or "data:image/png;base64,…"} or {"file_id": "file-…"}' },
);
export type ImageReference = z.infer<typeof imageReference>;

export const imagesEditsBodySchema = z.looseObject({
  ...commonFields,
  input_fidelity: z.enum(['high', 'low']).optional(),
  /** JSON form only: the images to edit, by URL (https or data:) or uploaded file id. */
  images: z.array(imageReference).min(1).max(maxImagesPerEdit).optional(),
  /** JSON form only; multipart masks arrive as a file part. */
  mask: imageReference.optional(),
});
export type ImagesEditsBody = z.infer<typeof imagesEditsBodySchema>;

/**
 * In a union (`content: string | parts[]`), the branch that got furthest before failing is the one
 * the client meant; report its issue with the full path. A tie keeps the union issue.
 */
function mostSpecificIssue(
  issue: z.core.$ZodIssue,
  prefix: (string | number)[],
): {
  issue: z.core.$ZodIssue;
  path: (string | number)[];
} {
  const path = [...prefix, ...issuePath(issue)];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const depths = issue.errors.map((branch) =>
    Math.max(-1, ...branch.map((inner) => issuePath(inner).length)),
  );
  const deepest = Math.max(...depths);
  if (depths.filter((depth) => depth === deepest).length !== 1) return { issue, path };
  const branch = issue.errors[depths.indexOf(deepest)];
  const inner = branch.find((candidate) => issuePath(candidate).length === deepest)!;
  return mostSpecificIssue(inner, path);
}

/** The first zod issue as an OpenAI-style 400 whose `param` is the field path (`size`, `images[0]`). */
export function issueToBadRequest(error: z.ZodError): GatewayError {
  const { issue, path } = mostSpecificIssue(error.issues[0], []);
  const param = path.length > 0 ? formatPath(path) : undefined;
  if (issue.code === 'invalid_type' && issue.input === undefined && param) {
    return errorCatalogue.MISSING_PARAMETER(`Missing required parameter: '${param}'.`, param);
  }
  const where = param ? `Invalid value for '${param}': ` : 'Invalid request body: ';
  const description = issue.code === 'invalid_union' ? issue.message : describeIssue(issue);
  return errorCatalogue.INVALID_VALUE(`${where}${description}.`, param);
}

/** Parses with `schema` or throws the GatewayError naming the bad field. */
export function parseOrThrow<Output>(schema: z.ZodType<Output>, input: unknown): Output {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw errorCatalogue.INVALID_VALUE('The request body must be a JSON object.');
  }
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw issueToBadRequest(result.error);
  return result.data;
}

export function parseImagesGenerationsBody(input: unknown): ImagesGenerationsBody {
  return parseOrThrow(imagesGenerationsBodySchema, input);
}

/** Edits: a JSON body, or the text fields of a multipart body (`Record<string, string>`). */
export function parseImagesEditsBody(input: unknown): ImagesEditsBody {
  return parseOrThrow(imagesEditsBodySchema, input);
}
