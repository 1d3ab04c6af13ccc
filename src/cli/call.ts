import {EXIT, UserError} from '../errors.js'
import {jsonText, reportError} from '../render/output.js'
import {writeOut} from './stdout.js'

/** Flags every command has (BaseCommand.baseFlags). */
export interface GlobalFlags {
  root: string
  verbose?: boolean
}

/**
 * One command invocation, parsed: by oclif (BaseCommand) or by the fast path (cli/fast-parse.ts), which
 * must hand an action the same values.
 */
export interface Call<F = object, A = object> {
  flags: F & GlobalFlags
  args: A
  /** The command line after the command's name, as the journal records it. */
  argv: string[]
  json: boolean
  /** Text for a person; nothing with --json, where stdout holds only the document. */
  say(text: string): void
  /** Text on stdout whatever --json says, for the run functions that decide that themselves. */
  print(text: string): void
}

/** A command's work; what it returns is the --json document. */
export type Action<F = object, A = object> = (call: Call<F, A>) => Promise<unknown>

/** say and print over `write`: fd 1 on the fast path, process.stdout under oclif, which prints through it too. */
export function outputs(json: boolean, write: (text: string) => void): Pick<Call, 'say' | 'print'> {
  return {print: write, say: (text) => (json ? undefined : write(text))}
}

/** The one-line (or one JSON document) error contract, for oclif's commands and the fast path alike. */
export function reportFailure(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}, json: boolean, commandId: string): void {
  // Ctrl-C at an inquirer prompt: nothing was changed yet.
  const error = thrown.name === 'ExitPromptError' ? new UserError('interrupted', 'nothing was changed', EXIT.interrupted) : thrown
  const exitCode = thrown.oclif?.exit ?? thrown.exitCode ?? EXIT.failure
  reportError(error, json, {exitCode, hint: exitCode === EXIT.usage ? `see 'xensetup ${commandId.replaceAll(':', ' ')} --help'` : null})
}

/** Runs an action as oclif's Command would: the document printed with --json, failures reported. */
export async function perform(action: Action, call: Call, commandId: string): Promise<unknown> {
  try {
    const result = await action(call)
    if (result && call.json) writeOut(jsonText(result))
    return result
  } catch (error) {
    reportFailure(error as Error, call.json, commandId)
    return undefined
  }
}
