import type {Call} from '../../cli/call.js'
import {startGuest} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default async function guestStart({flags, args, say}: Call<object, {name: string}>) {
  await startGuest(openHost(flags.root), args.name, say)
  return {name: args.name, running: true}
}
