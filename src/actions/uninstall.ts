import type {Call} from '../cli/call.js'
import {openHost} from '../host/open.js'
import {runUninstall, type UninstallFlags} from '../undo/uninstall.js'

export default async function uninstall({flags, argv, json, print}: Call<UninstallFlags>) {
  return runUninstall(openHost(flags.root), flags, json, print, argv)
}
