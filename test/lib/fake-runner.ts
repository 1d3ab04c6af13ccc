import type {CommandRunner, RunOptions, RunResult} from '../../src/host/runner.js'

type Answer = Partial<Omit<RunResult, 'argv'>> & {effect?: () => void}

/** Records every argv and answers by the argv joined with spaces; unknown commands succeed silently. */
export class FakeRunner implements CommandRunner {
  readonly calls: string[][] = []

  constructor(private readonly answers: Record<string, Answer> = {}) {}

  async run(argv: string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push(argv)
    const {effect, ...answer} = this.answers[argv.join(' ')] ?? {}
    effect?.()
    const exitCode = answer.exitCode ?? 0
    return {argv, stdout: '', stderr: '', timedOut: false, ...answer, exitCode, failed: answer.failed ?? exitCode !== 0}
  }
}
