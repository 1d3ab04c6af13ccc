import type {Call} from '../../cli/call.js'
import {attachConsole} from '../../guest/xl-commands.js'
import {openHost} from '../../host/open.js'

export default async function guestConsole({flags, args}: Call<object, {name: string}>) {
  await attachConsole(openHost(flags.root), args.name)
}
