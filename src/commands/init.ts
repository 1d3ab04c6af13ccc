import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {STEP_IDS} from '../steps/ids.js'

export default class Init extends BaseCommand {
  static action = 'init' as const

  static summary = 'Turn this host (or --root) into a Xen dom0: packages, boot entry, services, xenfs, xenbr0, LVM.'

  static description = `Each step states its desired state and changes only what differs, so a re-run on a configured host changes nothing.
Every changed file is backed up under /var/lib/xensetup/backups/<run>/ and every change is journaled in /var/lib/xensetup/journal.jsonl.
One run per target at a time (exit 75 while another holds /var/lib/xensetup/lock); SIGINT/SIGTERM stop it before its next change (exit 130).
On a terminal, init shows the plan and asks before applying; with --yes or without a terminal it uses flags and defaults.`

  static examples = [
    '<%= config.bin %> init --dry-run',
    '<%= config.bin %> init --yes --dom0-mem 4G --vg-device /dev/sdb',
    '<%= config.bin %> init --root /mnt/target --yes --uplink enp1s0 --json',
    '<%= config.bin %> init --only boot --trial-boot',
    '<%= config.bin %> init --dry-run --out plan.json && <%= config.bin %> apply plan.json',
  ]

  static flags = {
    'dry-run': Flags.boolean({summary: 'Show the plan (file diffs, command argv) and change nothing.'}),
    out: Flags.string({summary: 'With --dry-run: also write the plan to this file, for review and `xensetup apply FILE`.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask: use flags and defaults.'}),
    'dom0-mem': Flags.string({summary: 'Fixed dom0 memory, e.g. 2048M or 4G (default: 1 GiB + 5% of RAM, at most 8 GiB).'}),
    'dom0-max-vcpus': Flags.string({summary: 'dom0 vCPUs, a count or min-max range (default 1-4 or fewer).'}),
    uplink: Flags.string({summary: 'Interface xenbr0 takes over (default: the default route\'s).'}),
    'vg-device': Flags.string({summary: 'Empty disk for the guest LVM volume group; without it the LVM step is skipped.'}),
    'vg-name': Flags.string({summary: 'Volume group name.', default: 'vg0'}),
    'force-wipe': Flags.boolean({summary: 'Allow --vg-device to carry a file system or partition table (it is wiped).'}),
    'apply-network': Flags.boolean({summary: 'Also move the running network onto xenbr0 now (rolled back on failure, put back unless confirmed in time); without it xenbr0 comes up at the reboot into Xen.'}),
    'revert-after': Flags.string({summary: 'With --apply-network: seconds (10 to 3600) to confirm the switch, on the terminal or with `xensetup confirm-network`, before it is put back.', default: '120'}),
    'trial-boot': Flags.boolean({summary: 'Boot Xen once (grub-reboot); a failed boot falls back to the old default on reset. Run init again without it to keep Xen.'}),
    only: Flags.string({summary: 'Run only these steps (repeat the flag, or separate with commas).', options: [...STEP_IDS], multiple: true, delimiter: ','}),
    skip: Flags.string({summary: 'Leave these steps out (repeat the flag, or separate with commas).', options: [...STEP_IDS], multiple: true, delimiter: ','}),
  }
}
