import {Command, Flags} from '@oclif/core'
import {type ActionId, loadAction} from './actions.js'
import {outputs, reportFailure} from './call.js'

/**
 * Global flags, --json, and the one-line error contract shared by every command. A command class only
 * describes itself (summary, flags, args) and names its action; the work is in src/actions/.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  /** The action this command runs (cli/actions.ts). */
  static action: ActionId

  static baseFlags = {
    root: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'Directory that stands for the target machine (facts read and files written under it).',
      description: 'Every path is resolved inside it as in a chroot (links cannot lead out). Commands that change the target run inside it, each in private mount and PID namespaces with /proc, /sys and /dev of their own.',
      default: '/',
    }),
    verbose: Flags.boolean({char: 'v', helpGroup: 'GLOBAL', summary: 'Show each command as it runs.'}),
  }

  async run(): Promise<unknown> {
    const command = this.ctor as typeof BaseCommand
    const {flags, args} = await this.parse(command)
    const json = this.jsonEnabled()
    const action = await loadAction(command.action)
    return action({flags: flags as {root: string}, args, argv: this.argv, json, ...outputs(json, (text) => process.stdout.write(text))})
  }

  protected async catch(thrown: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    reportFailure(thrown, this.jsonEnabled(), (this.ctor as typeof BaseCommand).action)
  }
}
