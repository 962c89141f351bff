/** What the job-file commands (`import`, `new`, `list`) get from the command line around them. */

/**
 * The command's surroundings: the folder it runs in, where text goes, and standard input. `out` is stdout (one
 * call per line or block), `err` is stderr: problems go there, so that `--format json` keeps stdout one document.
 */
export interface CommandIo {
  readonly cwd: string
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** All of standard input, as text. */
  readonly readStdin: () => Promise<string>
}

/** The output formats every command takes: text for people, one JSON document for scripts. */
export type OutputFormat = 'text' | 'json'

/** Reads all of the process's standard input; tells a person at a terminal that it is waiting for them. */
export async function readProcessStdin(): Promise<string> {
  if (process.stdin.isTTY)
    process.stderr.write('Reading rclone command lines from standard input; end with Ctrl-D.\n')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  return Buffer.concat(chunks).toString('utf8')
}
