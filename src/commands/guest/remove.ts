import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base-command.js'

export default class GuestRemove extends BaseCommand {
  static action = 'guest:remove' as const

  static summary = 'Remove a stopped guest: its config and autostart link; its logical volume only with --delete-disk.'

  static description = `A running guest is refused (stop it first). The config is kept under /var/lib/xensetup/backups/<run>/.
--delete-disk destroys the guest's logical volume: confirmed on a terminal, else it needs --yes.`

  static examples = ['<%= config.bin %> guest remove web1', '<%= config.bin %> guest remove web1 --delete-disk --yes']

  static args = {name: Args.string({required: true, description: 'Guest name.'})}

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show what would be removed and change nothing.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask before applying.'}),
    'delete-disk': Flags.boolean({summary: 'Also destroy the guest\'s logical volume(s).'}),
    vg: Flags.string({summary: 'Volume group of the NAME-disk volume (when the config is already gone).', default: 'vg0'}),
  }
}
