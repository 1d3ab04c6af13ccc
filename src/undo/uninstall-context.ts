import type {DistroProfile} from '../distros/profile.js'
import type {Facts} from '../facts/types.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'
import type {InitHistory} from './uninstall-history.js'

/** What the admin asked uninstall to do beyond putting the configuration back. */
export interface UninstallOptions {
  /** Restore originals from the backups even over files changed since xensetup wrote them (those changes are lost). */
  force: boolean
  /** Remove the volume group init created, when it holds no logical volume. */
  removeVg: boolean
  /** Remove the packages xensetup's runs installed. */
  purgePackages: boolean
}

export interface UninstallContext {
  host: Host
  /** The machine running xensetup: it owns the disks (the group's physical volumes). */
  machine: Host
  /** Read-only probes of those disks. */
  probe: CommandRunner
  facts: Facts
  profile: DistroProfile
  history: InitHistory
  options: UninstallOptions
  /** LVM_SYSTEM_DIR for the LVM commands and the metadata the plan reads (tests point it into the root). */
  lvmSystemDir: string
  /**
   * What cannot be put back as it was, by path: a backup that is gone, a file changed since. Filled while
   * planning (the latest plan's word wins) and shown in the plan and the result.
   */
  unrestored: Map<string, string>
}
