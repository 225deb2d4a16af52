/** One problem in a configuration or inventory file, located so an operator can go to it. */
export interface ConfigIssue {
  /** The file as the caller named it (or `environment` for configFromEnv). */
  file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. the file is missing). */
  line: number;
  column: number;
  /** Dotted path of the value, e.g. `route.routes[2].receiver`; empty for the whole file. */
  path: string;
  message: string;
}

/** `herald.yaml:14:9: route.routes[2].receiver: no receiver named 'pager'` */
export function formatIssue(issue: ConfigIssue): string {
  const place = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${place}: ${issue.path}: ${issue.message}` : `${place}: ${issue.message}`;
}

/**
 * A configuration (or inventory) file Herald will not run with. Permanent: the same file gives
 * the same errors, so a service exits at start instead of retrying.
 */
export class ConfigFileError extends Error {
  readonly code = 'CONFIG_FILE_INVALID';
  readonly isConfigFileError = true;
  readonly retryable = false;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.name = 'ConfigFileError';
    this.issues = issues;
  }
}

export function isConfigFileError(err: unknown): err is ConfigFileError {
  return typeof err === 'object' && err !== null && 'isConfigFileError' in err;
}
