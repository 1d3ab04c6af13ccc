import {Command, Flags} from '@oclif/core'
import {EXIT, UserError} from '../errors.js'
import {reportError} from '../render/output.js'

/** Global flags, --json, and the one-line error contract shared by every command. */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    root: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'Directory that stands for the target machine (facts read and files written under it).',
      description: 'Every path is resolved inside it as in a chroot (links cannot lead out). Commands that change the target run inside it, each in private mount and PID namespaces with /proc, /sys and /dev of their own.',
      default: '/',
    }),
    verbose: Flags.boolean({char: 'v', helpGroup: 'GLOBAL', summary: 'Show each command as it runs.'}),
  }

  /** Text for a person; with --json stdout holds only the document. */
  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text)
  }

  protected async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // Ctrl-C at an inquirer prompt: nothing was changed yet.
    const error = thrown.name === 'ExitPromptError' ? new UserError('interrupted', 'nothing was changed', EXIT.interrupted) : thrown
    const exitCode = thrown.oclif?.exit ?? thrown.exitCode ?? EXIT.failure
    reportError(error, this.jsonEnabled(), {exitCode, hint: exitCode === EXIT.usage ? `see 'xensetup ${this.id} --help'` : null})
  }
}
