// Turns one zod issue into a short sentence and a dotted path (`channels[0].provider`), so the
// catalog and config loaders can report bad fields the same way.
import type { z } from 'zod';

export type IssuePath = readonly (string | number)[];

/** `['channels', 0, 'provider']` → `channels[0].provider`. */
export function formatPath(path: IssuePath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(root)' : text;
}

export function issuePath(issue: z.core.$ZodIssue): (string | number)[] {
  return issue.path.filter((segment) => typeof segment !== 'symbol') as (string | number)[];
}

export interface DescribeOptions {
  /** Name the kind of a wrong value but never the value (a secret field: an API key, a token). */
  hideValues?: boolean;
}

function describeValue(value: unknown, options: DescribeOptions): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (
    options.hideValues &&
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
  )
    return `a ${typeof value} (not shown: the field holds a secret)`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

/** A sentence naming what was expected and what arrived (parse with `reportInput: true`). */
export function describeIssue(issue: z.core.$ZodIssue, options: DescribeOptions = {}): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required ${issue.expected} is missing`;
      return `expected ${issue.expected}, got ${describeValue(issue.input, options)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join('|')}, got ${describeValue(issue.input, options)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') return `must not be empty`;
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}, got ${describeValue(issue.input, options)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${describeValue(issue.input, options)}`;
    case 'invalid_format':
      return `${issue.message}, got ${describeValue(issue.input, options)}`;
    case 'invalid_union': {
      // The branch whose type the value had says most (`auto` for a string, the bounds for a number).
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const closest = branches.find((branch) => branch[0].code !== 'invalid_type') ?? branches[0];
      return closest ? describeIssue(closest[0], options) : issue.message;
    }
    default:
      return issue.message;
  }
}
