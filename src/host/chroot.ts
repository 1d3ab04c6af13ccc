import {selfCommand} from '../assets.js'
import type {ChrootSpec} from './chroot-exec.js'
import {HELPERS} from './helpers.js'
import {HostPathError} from './errors.js'
import type {Host} from './host.js'
import {POLICY_RC_D, POLICY_RC_D_TEXT} from './policy-rc-d.js'
import type {CommandRunner, RunOptions, RunResult} from './runner.js'

/**
 * Runs commands inside --root: each one in its own private mount namespace with /sys, /dev and a new
 * devpts bound into the root and a fresh /proc of its own PID namespace (see chroot-exec.ts), so no
 * mount is ever made where the admin or xensetup's own fact gathering could see it, and none can be
 * left behind. policy-rc.d is the one thing written into the target for the run: it is announced to
 * `record` before it is made, so a run killed before close() is cleaned up by the next one.
 */
export class ChrootRunner implements CommandRunner {
  private policyAdded = false

  constructor(
    private readonly target: Host,
    private readonly outer: CommandRunner,
    private readonly record: (made: string) => void,
  ) {}

  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    const spec: ChrootSpec = {root: this.target.root, sys: this.mountPoint('/sys'), dev: this.mountPoint('/dev'), devPts: this.mountPoint('/dev/pts'), argv}
    this.mountPoint('/proc')
    this.holdDaemons()
    const wrapped = ['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--mount', '--propagation', 'private', '--', ...selfCommand(), HELPERS.chrootExec, JSON.stringify(spec)]
    const result = await this.outer.run(wrapped, {...options, shown: ['chroot', this.target.root, ...argv]})
    return {...result, argv}
  }

  /** A mount point inside the root (links followed there), which must be a directory. */
  private mountPoint(target: string): string {
    if (!this.target.isDirectory(target)) {
      throw new HostPathError(this.target.display(target), 'is not a directory; commands cannot run in a root without /proc, /sys and /dev directories')
    }
    return this.target.real(target)
  }

  private holdDaemons(): void {
    if (this.policyAdded || this.target.exists(POLICY_RC_D) || !this.target.isDirectory('/usr/sbin')) return
    this.record(POLICY_RC_D)
    this.target.write(POLICY_RC_D, POLICY_RC_D_TEXT, 'utf8', {mode: 0o755, uid: 0, gid: 0})
    this.policyAdded = true
  }

  async close(): Promise<void> {
    if (this.policyAdded) this.target.remove(POLICY_RC_D)
    this.policyAdded = false
  }
}
