import type {Call} from '../../cli/call.js'
import {countFlag} from '../../cli/count-flag.js'
import {stopGuest} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default async function guestStop({flags, args, say}: Call<{force?: boolean; timeout: string}, {name: string}>) {
  await stopGuest(openHost(flags.root), args.name, flags.force === true, countFlag('timeout', flags.timeout, {min: 1}), say)
  return {name: args.name, running: false}
}
