import {HELPERS} from '../host/helpers.js'

type Helper = (args: string[]) => void | Promise<void>

/** Each helper's code, loaded only when xensetup runs as that helper. Hidden: not commands an admin runs. */
export const INTERNAL: Record<string, () => Promise<Helper>> = {
  [HELPERS.chrootExec]: async () => (await import('../host/chroot-exec.js')).chrootExec,
  [HELPERS.activateBridge]: async () => (await import('../steps/bridge/activate-command.js')).activateBridgeCommand,
  [HELPERS.networkRevert]: async () => (await import('../steps/bridge/revert-command.js')).networkRevertCommand,
}
