import {BaseCommand} from '../../cli/base-command.js'

export default class GuestList extends BaseCommand {
  static action = 'guest:list' as const

  static summary = 'The guests configured in /etc/xen: type, memory, vCPUs, disks, MACs, bridge, autostart, and state when Xen runs.'

  static description = 'The state comes from `xl list` only on a running dom0 (as root); elsewhere nothing is spawned and the state is unknown (?).'

  static examples = ['<%= config.bin %> guest list', '<%= config.bin %> guest list --json']
}
