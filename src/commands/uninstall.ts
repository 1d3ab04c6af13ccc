import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'

export default class Uninstall extends BaseCommand {
  static action = 'uninstall' as const

  static summary = 'Undo what init configured: the host boots its previous non-Xen default, without a trace of xensetup\'s configuration.'

  static description = `Files come back from the journal's backups where they still hold what xensetup wrote; elsewhere xensetup's blocks, drop-ins and files are removed by their markers and names, and what could not be restored is said.
The uplink gets its own network configuration back, services xensetup enabled are disabled, grub.cfg is generated again and the previous non-Xen entry made the default.
The volume group is kept (it may hold guests) unless --remove-vg, which refuses (exit 4) while it holds a logical volume; packages are kept unless --purge-packages.`

  static examples = [
    '<%= config.bin %> uninstall --dry-run',
    '<%= config.bin %> uninstall --yes',
    '<%= config.bin %> uninstall --yes --purge-packages --remove-vg',
    '<%= config.bin %> uninstall --root /mnt/target --yes --json',
  ]

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show the plan (file diffs, command argv) and change nothing.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask before applying.'}),
    force: Flags.boolean({summary: 'Put originals back even over files changed since xensetup wrote them (the later changes are lost).'}),
    'remove-vg': Flags.boolean({summary: 'Remove the volume group init created, when it holds no logical volume.'}),
    'purge-packages': Flags.boolean({summary: 'Remove the packages xensetup installed (the journal\'s list, else the distribution\'s Xen packages).'}),
  }
}
