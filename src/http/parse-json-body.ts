// Parses a raw JSON body once, turning a syntax error into a 400 that says where it is.
import { errorCatalogue } from '../canonical/error-catalogue.js';
import { largeJsonBytes } from '../canonical/find-image-strings.js';
import { excessNestingOffset, maxJsonNesting } from '../canonical/json-nesting.js';
import { parseSkippingImageStrings } from '../canonical/skip-image-strings.js';

export function parseJsonBody(body: unknown): unknown {
  if (body === undefined || body === null) {
    throw errorCatalogue.INVALID_VALUE(
      'Invalid JSON payload received. The request body is empty; send a JSON object.',
    );
  }
  // Before any parse: JSON.parse is slow over a deep nest and every walk after it recurses.
  const tooDeep = excessNestingOffset(Buffer.isBuffer(body) ? body : String(body));
  if (tooDeep >= 0) {
    throw errorCatalogue.INVALID_JSON(
      `Invalid JSON payload received. Objects and arrays nest deeper than ${maxJsonNesting} levels at position ${tooDeep}; send a flatter body.`,
    );
  }
  // Large bodies carry images: parse them without running JSON.parse over the base64 strings. On a
  // syntax error the plain parse below runs, so the reported position is the client's own.
  if (Buffer.isBuffer(body) && body.length > largeJsonBytes) {
    try {
      return parseSkippingImageStrings(body);
    } catch {
      // fall through to the exact error
    }
  }
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message.replace(/, ".*" is not valid JSON$/s, '');
    const match = /position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : syntaxErrorPosition(text, message);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    throw errorCatalogue.INVALID_JSON(
      `Invalid JSON payload received. ${message.replace(/\s*in JSON at position \d+.*$/, '')} at position ${position} (line ${line}, column ${column}).`,
    );
  }
}

/**
 * Where JSON.parse stopped, for its messages that name no position: "Unexpected end of JSON input"
 * is at the end; "Unexpected token …" is at the first character no valid JSON text continues with.
 * Every shorter prefix is then valid or merely unfinished, every longer one fails before its end,
 * so JSON.parse over prefixes finds it by bisection. Runs only after a parse failed.
 */
function syntaxErrorPosition(text: string, message: string): number {
  if (message.startsWith('Unexpected end of JSON input')) return text.length;
  const failsBeforeEnd = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      const reason = (error as Error).message;
      if (reason.startsWith('Unexpected end of JSON input')) return false;
      const at = /position (\d+)/.exec(reason);
      return at === null || Number(at[1]) < length;
    }
  };
  let valid = 0; // the longest prefix known not to fail before its end
  let failing = text.length; // the shortest prefix known to fail before its end
  while (failing - valid > 1) {
    const middle = Math.floor((valid + failing) / 2);
    if (failsBeforeEnd(middle)) failing = middle;
    else valid = middle;
  }
  return failing - 1;
}
