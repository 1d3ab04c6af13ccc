import {BaseCommand} from '../cli/base-command.js'

export default class ConfirmNetwork extends BaseCommand {
  static action = 'confirm-network' as const

  static summary = 'Keep the live switch to xenbr0 that init --apply-network made: without this, it is put back when its time is up.'

  static description = `init --apply-network moves the uplink's addresses and routes onto xenbr0 on trial (--revert-after, 120 s by
default): unless confirmed in time, a detached process puts the addresses, routes and network configuration files
back, also when init, its terminal or its SSH session is gone. Run this from a new SSH session: that it connects at
all is the proof the new network works. Exit 0 when confirmed; 1 when no switch is on trial, or it was put back already.`

  static examples = ['<%= config.bin %> confirm-network']
}
