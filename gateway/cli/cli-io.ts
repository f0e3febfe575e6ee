// What a CLI command writes to, so tests can run commands in-process, and the usage error type.

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stderrIsTTY: boolean;
}

/** Bad command-line use: printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'cli.usage';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The process's own streams. */
export const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  stderrIsTTY: process.stderr.isTTY === true,
};
