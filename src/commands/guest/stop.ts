import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'

export default class GuestStop extends BaseCommand {
  static action = 'guest:stop' as const

  static summary = 'Shut a guest down cleanly and wait for it (xl shutdown -w); --force destroys it at once.'

  static args = {name: Args.string({required: true, description: 'Guest name.'})}

  static flags = {
    force: Flags.boolean({summary: 'Destroy it now (xl destroy), like pulling the plug.'}),
    timeout: Flags.string({summary: 'Seconds to wait for the clean shutdown.', default: '120'}),
  }
}
