import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'

export default class Doctor extends BaseCommand {
  static action = 'doctor' as const

  static summary = 'Check that this host can run Xen (before) and that its Xen dom0 is healthy (after).'

  static description = `Reads files only (no tools are run), so it is safe and fast anywhere. Each check says PASS, WARN,
FAIL or SKIP with what it found and a fix. Exit 0 when nothing fails (warnings allowed), 1 when a check fails.`

  static examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json', '<%= config.bin %> doctor --explain cpu.slat']

  static flags = {
    explain: Flags.string({summary: 'Print the long explanation of one check by id.'}),
  }
}
