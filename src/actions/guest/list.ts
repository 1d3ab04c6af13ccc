import type {Call} from '../../cli/call.js'
import {guestTable, listGuests} from '../../guest/list.js'
import {openHost} from '../../host/open.js'
import {ExecaRunner} from '../../host/runner.js'

export default async function guestList({flags, say}: Call) {
  const target = openHost(flags.root)
  const listing = await listGuests(target, new ExecaRunner())
  say(guestTable(listing.guests, listing.toolstack))
  return {root: target.root, ...listing}
}
