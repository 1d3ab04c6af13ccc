import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'

export default class GuestStart extends BaseCommand {
  static action = 'guest:start' as const

  static summary = 'Start a guest from /etc/xen/NAME.cfg (xl create); nothing to do when it runs already.'

  static args = {name: Args.string({required: true, description: 'Guest name.'})}
}
