import type {Call} from '../../cli/call.js'
import {runGuestRemove, type GuestRemoveFlags} from '../../guest/run-remove.js'
import {openHost} from '../../host/open.js'

export default async function guestRemove({flags, args, argv, json, print}: Call<GuestRemoveFlags, {name: string}>) {
  return runGuestRemove(openHost(flags.root), args.name, flags, json, print, argv)
}
