import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'

export default class GuestConsole extends BaseCommand {
  static action = 'guest:console' as const

  static summary = 'Attach this terminal to a guest\'s text console (xl console); Ctrl-] leaves.'

  static enableJsonFlag = false

  static args = {name: Args.string({required: true, description: 'Guest name.'})}
}
