import {UserError} from '../errors.js'

/**
 * Asks the admin only when both stdin and stdout are terminals and --yes was not given; otherwise a
 * question without a flag value is an error that names the flag (automation must not hang on a prompt).
 */
/** Flags every command that changes a target shares. */
export interface RunFlags {
  'dry-run': boolean
  yes: boolean
  verbose: boolean
}

export class Prompter {
  constructor(readonly interactive: boolean) {}

  /** For a run that may change the target: on a terminal it asks, but --json leaves stdout to the document alone. */
  static forRun(json: boolean, flags: RunFlags): Prompter {
    if (json && !flags['dry-run'] && !flags.yes && process.stdin.isTTY) {
      throw new UserError('--json cannot ask before applying', 'add --yes to apply without asking, or --dry-run to see the plan')
    }
    return json ? new Prompter(false) : Prompter.forTerminal(flags.yes)
  }

  static forTerminal(yes: boolean): Prompter {
    return new Prompter(!yes && Boolean(process.stdin.isTTY && process.stdout.isTTY))
  }

  async choose<T extends string>(flag: string, message: string, choices: Array<{name: string; value: T}>, fallback?: T): Promise<T> {
    if (!this.interactive) {
      if (fallback !== undefined) return fallback
      throw new UserError(`${message}: no answer`, `pass --${flag} (no terminal to ask on)`)
    }
    const {select} = await import('@inquirer/prompts')
    return select({message, choices, default: fallback})
  }

  async input(flag: string, message: string, fallback: string, validate: (value: string) => string | true): Promise<string> {
    if (!this.interactive) return fallback
    const {input} = await import('@inquirer/prompts')
    return input({message, default: fallback, validate})
  }

  /** `signal` ends the question unanswered (SIGTERM while waiting at the prompt). */
  async confirm(message: string, fallback: boolean, signal?: AbortSignal): Promise<boolean> {
    if (!this.interactive) return fallback
    const {confirm} = await import('@inquirer/prompts')
    return confirm({message, default: fallback}, signal ? {signal} : undefined)
  }
}
