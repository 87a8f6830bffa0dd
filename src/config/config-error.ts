// The one error the config loader throws: every problem found, each prefixed with
// `file:line:column path:` so the operator can jump straight to it (the CLI exits 2 on it).

export interface ConfigProblem {
  /** `imagegate.yaml:7:15`, or the environment variable / flag at fault; absent when unknown. */
  location?: string;
  /** Dotted field path, e.g. `channels[0].provider`. */
  path?: string;
  message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = [problem.location, problem.path].filter((part) => part !== undefined && part !== '');
  return where.length === 0 ? problem.message : `${where.join(' ')}: ${problem.message}`;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
