import {CHROOT_EXEC} from '../host/chroot-exec.js'
import {ACTIVATE_BRIDGE} from '../steps/bridge/activate-command.js'

type Helper = (args: string[]) => void | Promise<void>

/**
 * Helpers that must be processes of their own, started as `xensetup <name> ARGS…` (assets.ts's
 * selfCommand: node with the CLI here, the bundle or the executable alone in a release). Hidden: they
 * are not commands an admin runs.
 */
export const INTERNAL: Record<string, () => Promise<Helper>> = {
  [CHROOT_EXEC]: async () => (await import('../host/chroot-exec.js')).chrootExec,
  [ACTIVATE_BRIDGE]: async () => (await import('../steps/bridge/activate-command.js')).activateBridgeCommand,
}
