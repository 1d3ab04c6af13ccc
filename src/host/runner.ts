/** One command to run: argv only, never a shell string. */
export interface RunOptions {
  /** Text for stdin; without it stdin is closed. */
  input?: string
  timeoutMs?: number
  env?: Record<string, string>
  /** What `-v` shows instead of argv (the command as the target runs it, without its wrapping). */
  shown?: string[]
}

export interface RunResult {
  argv: string[]
  exitCode: number
  stdout: string
  stderr: string
  failed: boolean
  timedOut: boolean
}

export interface CommandRunner {
  run(argv: string[], options?: RunOptions): Promise<RunResult>
}

/** How long a command may take before it is killed; apt on a slow mirror is the long pole. */
const DEFAULT_TIMEOUT_MS = 20 * 60_000

/** Locale-free, prompt-free output that our parsers can read, whatever the admin's shell has set. */
export const COMMAND_ENV: Record<string, string> = {
  LC_ALL: 'C',
  LANG: 'C',
  DEBIAN_FRONTEND: 'noninteractive',
  SYSTEMD_PAGER: '',
  PAGER: 'cat',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
}

export type CommandLog = (argv: string[]) => void

/**
 * Runs commands on this machine through execa (loaded on first use: doctor never pays for it). When
 * `cancel` fires (SIGINT/SIGTERM to xensetup), the running command is terminated.
 */
export class ExecaRunner implements CommandRunner {
  constructor(
    private readonly log?: CommandLog,
    private readonly cancel?: AbortSignal,
  ) {}

  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    const {execa} = await import('execa')
    this.log?.(options.shown ?? argv)
    const [file, ...args] = argv
    const result = await execa(file, args, {
      reject: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      forceKillAfterDelay: 5000,
      ...(this.cancel ? {cancelSignal: this.cancel} : {}),
      env: {...COMMAND_ENV, ...options.env},
      ...(options.input === undefined ? {stdin: 'ignore' as const} : {input: options.input}),
    })
    return {
      argv,
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      failed: result.failed,
      timedOut: result.timedOut,
    }
  }
}

/** The runner of a dry run: by construction it cannot run anything on the target. */
export class RefusingRunner implements CommandRunner {
  constructor(private readonly why: string) {}

  async run(argv: string[]): Promise<RunResult> {
    throw new Error(`${this.why}: refused to run ${displayArgv(argv)}`)
  }
}

/** argv as a person would type it: for display only, never executed. */
export function displayArgv(argv: string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** The last lines of a failed command's output, for an error message. */
export function outputTail(result: RunResult, lines = 15): string {
  const text = `${result.stdout}\n${result.stderr}`.trim()
  return text.split('\n').slice(-lines).join('\n')
}
