// Reads a YAML config file keeping source positions: expands `${VAR}` in place, and maps a field
// path (from zod or our own checks) back to `file:line:column` for error messages.
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { Document, Scalar } from 'yaml';
import { formatPath, type IssuePath } from '../catalog/describe-issue.js';
import type { ConfigProblem } from './config-error.js';

export interface YamlSource {
  fileName: string;
  document: Document;
  lineCounter: LineCounter;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Parses the text; syntax errors become problems with their line and column. */
export function parseYamlSource(
  fileName: string,
  text: string,
): { source: YamlSource; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: true });
  const problems = document.errors.map((error) => {
    const position = lineCounter.linePos(error.pos[0]);
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { location: `${fileName}:${position.line}:${position.col}`, message };
  });
  return { source: { fileName, document, lineCounter }, problems };
}

function nodeOffset(node: unknown): number | undefined {
  if (isPair(node)) return nodeOffset(node.key);
  if (typeof node === 'object' && node !== null && 'range' in node) {
    const range = (node as Node).range;
    if (Array.isArray(range)) return range[0];
  }
  return undefined;
}

/** The key node of `key` inside the mapping at `path`, so "unknown field" points at the field. */
function keyNode(source: YamlSource, path: IssuePath, key: string): unknown {
  const parent = path.length === 0 ? source.document.contents : source.document.getIn(path, true);
  if (!isMap(parent)) return undefined;
  return parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key;
}

/** `file:line:column` of the deepest existing node along `path` (a missing field points at its parent). */
export function locate(source: YamlSource, path: IssuePath, unknownKey?: string): string {
  let offset: number | undefined;
  if (unknownKey !== undefined) offset = nodeOffset(keyNode(source, path, unknownKey));
  for (let length = path.length; offset === undefined && length >= 0; length--) {
    const prefix = path.slice(0, length);
    offset = nodeOffset(length === 0 ? source.document.contents : source.document.getIn(prefix, true));
  }
  const position = source.lineCounter.linePos(offset ?? 0);
  return `${source.fileName}:${position.line}:${position.col}`;
}

const variablePattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

interface Expansion {
  value: string;
  missing: string[];
  /** The environment values that were put in (each may be a secret). */
  used: string[];
}

/** `${VAR}` and `${VAR:-fallback}`; `$$` is a literal `$`. Missing variables are reported, not guessed. */
export function expandVariables(text: string, environment: Environment): Expansion {
  const missing: string[] = [];
  const used: string[] = [];
  const value = text.replace(
    variablePattern,
    (_match, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '$';
      const found = environment[name];
      if (found !== undefined && found !== '') {
        used.push(found);
        return found;
      }
      if (fallback !== undefined) return fallback;
      if (found === undefined) missing.push(name);
      return '';
    },
  );
  return { value, missing, used };
}

function pathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  chain.forEach((item, index) => {
    const child = chain[index + 1];
    if (isPair(item) && isScalar(item.key)) path.push(String(item.key.value));
    else if (isSeq(item) && child !== undefined) path.push(item.items.indexOf(child as Node));
  });
  return path;
}

function plainScalarValue(text: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

export interface ExpansionResult {
  problems: ConfigProblem[];
  /** Channel index → the variables whose empty expansion dropped an API key. */
  droppedApiKeys: Map<number, string[]>;
  /** Every environment value put into the document: never repeated in an error message. */
  expandedValues: string[];
}

/**
 * Expands variables in every scalar value of the document, in place. A plain scalar that was
 * only a variable takes its expansion's YAML type (`port: ${PORT}` becomes a number). Inside
 * `apiKeys` an empty expansion drops the key instead of failing.
 */
export function expandDocument(source: YamlSource, environment: Environment): ExpansionResult {
  const problems: ConfigProblem[] = [];
  const droppedApiKeys = new Map<number, string[]>();
  const expandedValues: string[] = [];
  visit(source.document, {
    Scalar(key, node: Scalar, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const expansion = expandVariables(node.value, environment);
      expandedValues.push(...expansion.used);
      const path = pathOf(ancestors, node);
      const inApiKeys = path.length >= 2 && path[path.length - 2] === 'apiKeys';
      if (inApiKeys && expansion.value.trim() === '') {
        const channelIndex = path[0] === 'channels' && typeof path[1] === 'number' ? path[1] : -1;
        droppedApiKeys.set(channelIndex, [...(droppedApiKeys.get(channelIndex) ?? []), ...expansion.missing]);
        return visit.REMOVE;
      }
      for (const name of expansion.missing) {
        problems.push({
          location: locate(source, path),
          path: formatPath(path),
          message: `environment variable ${name} is not set`,
        });
      }
      node.value = node.type === 'PLAIN' ? plainScalarValue(expansion.value) : expansion.value;
    },
  });
  return { problems, droppedApiKeys, expandedValues };
}
