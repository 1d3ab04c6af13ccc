import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {stopGuest} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default class GuestStop extends BaseCommand {
  static summary = 'Shut a guest down cleanly and wait for it (xl shutdown -w); --force destroys it at once.'

  static args = {name: Args.string({required: true, description: 'Guest name.'})}

  static flags = {
    force: Flags.boolean({summary: 'Destroy it now (xl destroy), like pulling the plug.'}),
    timeout: Flags.integer({summary: 'Seconds to wait for the clean shutdown.', default: 120, min: 1}),
  }

  async run() {
    const {args, flags} = await this.parse(GuestStop)
    await stopGuest(openHost(flags.root), args.name, flags.force, flags.timeout, (text) => this.say(text))
    return {name: args.name, running: false}
  }
}
