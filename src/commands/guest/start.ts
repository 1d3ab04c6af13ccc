import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {startGuest} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default class GuestStart extends BaseCommand {
  static summary = 'Start a guest from /etc/xen/NAME.cfg (xl create); nothing to do when it runs already.'

  static args = {name: Args.string({required: true, description: 'Guest name.'})}

  async run() {
    const {args, flags} = await this.parse(GuestStart)
    await startGuest(openHost(flags.root), args.name, (text) => this.say(text))
    return {name: args.name, running: true}
  }
}
