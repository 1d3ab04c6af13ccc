import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {parseProcMounts} from '../facts/block.js'
import type {Host} from './host.js'
import type {CommandRunner, RunOptions, RunResult} from './runner.js'

/**
 * What a chroot needs from the running kernel for apt, update-grub and LVM. grub-probe needs /sys to map
 * a partition to its disk and /dev for the root device's node; the binds are made slaves so nothing
 * mounted or unmounted under them reaches the host's own /sys and /dev.
 */
const MOUNTS: ReadonlyArray<{target: string; argv: (real: string) => string[]; slave?: true}> = [
  {target: '/proc', argv: (real) => ['mount', '-t', 'proc', 'proc', real]},
  {target: '/sys', argv: (real) => ['mount', '--bind', '/sys', real], slave: true},
  {target: '/dev', argv: (real) => ['mount', '--bind', '/dev', real], slave: true},
  {target: '/dev/pts', argv: (real) => ['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=620', 'devpts', real]},
]

/** Keeps maintainer scripts from starting daemons inside the chroot (they start on the target's boot). */
const POLICY_RC_D = '/usr/sbin/policy-rc.d'

/**
 * Runs commands inside --root with chroot. The kernel file systems are mounted on first use and always
 * unmounted by close(), which init calls in a finally, after a failure or a Ctrl-C alike.
 */
export class ChrootRunner implements CommandRunner {
  private mounted: string[] | undefined
  private policyAdded = false

  constructor(
    private readonly host: Host,
    private readonly outer: CommandRunner,
    /** Runs mount and umount: not the runner a Ctrl-C cancels, so close() still cleans up after one. */
    private readonly mounter: CommandRunner,
  ) {}

  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    await this.open()
    const result = await this.outer.run(['chroot', this.host.root, ...argv], options)
    return {...result, argv}
  }

  private async open(): Promise<void> {
    if (this.mounted) return
    this.mounted = []
    const already = mountPoints()
    for (const mount of MOUNTS) {
      const real = this.host.real(mount.target)
      if (already.has(real) || !this.host.isDirectory(mount.target)) continue
      await this.mustRun(mount.argv(real), mount.target)
      this.mounted.push(real)
      if (mount.slave) await this.mustRun(['mount', '--make-rslave', real], mount.target)
    }
    if (!this.host.exists(POLICY_RC_D) && this.host.isDirectory(path.dirname(POLICY_RC_D))) {
      writeFileSync(this.host.real(POLICY_RC_D), '#!/bin/sh\n# written by xensetup for the length of one run\nexit 101\n', {mode: 0o755})
      this.policyAdded = true
    }
  }

  private async mustRun(argv: string[], target: string): Promise<void> {
    const result = await this.mounter.run(argv)
    if (result.failed) throw new Error(`cannot mount ${target} in ${this.host.root}: ${result.stderr.trim()}`)
  }

  async close(): Promise<void> {
    if (this.policyAdded) rmSync(this.host.real(POLICY_RC_D), {force: true})
    this.policyAdded = false
    for (const real of (this.mounted ?? []).reverse()) {
      const result = await this.mounter.run(['umount', real])
      // A process still holding a file open (gpg-agent, dirmngr) would block a plain umount.
      if (result.failed) await this.mounter.run(['umount', '-l', real])
    }
    this.mounted = undefined
  }
}

function mountPoints(): Set<string> {
  return new Set(parseProcMounts(readFileSync('/proc/mounts', 'utf8')).map((mount) => mount.target))
}
