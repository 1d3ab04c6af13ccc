import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'

export default class Apply extends BaseCommand {
  static action = 'apply' as const

  static summary = 'Apply a plan kept by `init --dry-run --out FILE` (or `guest create`) exactly as it was made.'

  static description = `Refused (exit 5) before anything changes when the plan file was edited, was made by another xensetup version or for another target (--root, /etc/machine-id), or when any file the plan read reads differently now (each is named).
Each step is applied only if it still plans as kept; afterwards the target is planned again and must need nothing more.
On a terminal it shows the plan and asks first; --dry-run shows the kept plan and the drift check, and changes nothing.`

  static examples = ['<%= config.bin %> apply plan.json', '<%= config.bin %> apply --dry-run plan.json', '<%= config.bin %> apply --root /mnt/target --yes --json plan.json']

  static args = {file: Args.string({required: true, description: 'The plan file `--dry-run --out` wrote.'})}

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show the kept plan and whether the target drifted from it; change nothing.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask before applying.'}),
  }
}
