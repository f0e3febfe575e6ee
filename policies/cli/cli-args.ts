// Command-line argument faults in words a person reads: node:util parseArgs's errors carry parser
// advice ("To specify a positional argument starting with a '-' …"); these name the option alone.

/** Whether `e` is an error node:util parseArgs throws (codes ERR_PARSE_ARGS_*). */
export function isArgsError(e: unknown): e is Error & { code: string } {
  const code: unknown = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** One line naming what was wrong: "unknown option --bogus", "option --config needs a value", … */
export function argsErrorMessage(e: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(e.message) ? `option ${option} needs a value` : `option ${option} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}`;
    default:
      return e.message.split('. ')[0] ?? e.message;
  }
}

/**
 * Whether the arguments ask for help (-h or --help before a "--"): the command prints its usage
 * and exits 0 whatever else is on the line.
 */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
