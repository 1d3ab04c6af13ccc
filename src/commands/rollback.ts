import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'

export default class Rollback extends BaseCommand {
  static action = 'rollback' as const

  static summary = 'Undo one run (default: the last that changed something and was not rolled back) from its journal and backups.'

  static description = `Plans the reverse of the run and goes through the same plan, confirm, apply and journal as init:
files back to their backed-up content (byte for byte) or removed when the run created them, links back, services it
enabled disabled, the volume group it created removed if it holds no logical volume, grub.cfg and grubenv (so the
previous default boot entry) restored. A file changed since the run by someone else is refused with a diff of what
would be lost, unless --force. Packages the run installed are kept unless --packages (which purges exactly those).
Rolling back an older run that later runs touched the same files of is refused, naming the runs to roll back first.
Exit codes: 0 done (or nothing to roll back), 1 a step failed, 2 unknown RUN or one already rolled back, 4 refused.`

  static examples = ['<%= config.bin %> rollback --dry-run', '<%= config.bin %> rollback 20240501T101500Z-4242 --yes', '<%= config.bin %> rollback --packages --yes --json']

  static args = {
    run: Args.string({description: 'Run id (see `xensetup history`); default: the last run still in effect.'}),
  }

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show the plan and change nothing.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask.'}),
    force: Flags.boolean({summary: 'Also restore files changed since the run, losing those changes.'}),
    packages: Flags.boolean({summary: 'Also purge the packages the run installed (exactly those).'}),
  }
}
