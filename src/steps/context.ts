import type {DistroProfile} from '../distros/profile.js'
import type {Facts} from '../facts/types.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'

/** What the admin chose (flags, answers, or defaults from the facts), validated. */
export interface InitOptions {
  /** null when the boot step does not run and nothing gave a size. */
  dom0MemMiB: number | null
  dom0MaxVcpus: string
  uplink: string | null
  vgDevice: string | null
  vgName: string
  forceWipe: boolean
  trialBoot: boolean
  /** Steps selected for this run: packages only pulls in what the selected steps need. */
  steps: readonly string[]
  /** --root was given: configuration is written, the running network is never touched. */
  offline: boolean
  /** --apply-network: also move the live network onto xenbr0 now, instead of at the reboot into Xen. */
  applyNetwork: boolean
  /** Seconds the live switch stays on trial: unless confirmed by then, it is put back. */
  revertAfter: number
}

export interface InitContext {
  /** The target: its files are read and written (the --root tree, or this machine). */
  host: Host
  /**
   * The running machine. With --root the target's /dev and /sys are this machine's (the chroot binds
   * them), so devices are looked up here; facts.block describes this machine's disks too.
   */
  machine: Host
  facts: Facts
  profile: DistroProfile
  options: InitOptions
  /** Runs on the target (inside --root via chroot); steps use it only for read-only probes. */
  probe: CommandRunner
}
