import {BaseCommand} from '../../cli/base-command.js'
import {guestTable, listGuests} from '../../guest/list.js'
import {openHost} from '../../host/open.js'
import {ExecaRunner} from '../../host/runner.js'

export default class GuestList extends BaseCommand {
  static summary = 'The guests configured in /etc/xen: type, memory, vCPUs, disks, MACs, bridge, autostart, and state when Xen runs.'

  static description = 'The state comes from `xl list` only on a running dom0 (as root); elsewhere nothing is spawned and the state is unknown (?).'

  static examples = ['<%= config.bin %> guest list', '<%= config.bin %> guest list --json']

  async run() {
    const {flags} = await this.parse(GuestList)
    const target = openHost(flags.root)
    const listing = await listGuests(target, new ExecaRunner())
    this.say(guestTable(listing.guests, listing.toolstack))
    return {root: target.root, ...listing}
  }
}
