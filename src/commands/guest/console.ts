import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'
import {attachConsole} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default class GuestConsole extends BaseCommand {
  static summary = 'Attach this terminal to a guest\'s text console (xl console); Ctrl-] leaves.'

  static enableJsonFlag = false

  static args = {name: Args.string({required: true, description: 'Guest name.'})}

  async run() {
    const {args, flags} = await this.parse(GuestConsole)
    await attachConsole(openHost(flags.root), args.name)
  }
}
