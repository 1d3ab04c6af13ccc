/**
 * `xensetup __chroot-exec SPEC`: runs one command inside a target root, started by ChrootRunner as
 * `setpriv --pdeathsig KILL unshare --mount --propagation private xensetup __chroot-exec SPEC`. So the
 * mounts below exist only in this process's private mount namespace: the admin's machine never sees
 * them, xensetup's own reads of the target never see the local /sys and /dev through them, and they
 * vanish with the command, even when xensetup is killed. The command itself runs as PID 1 of a new PID
 * namespace with a fresh /proc, so /proc/<pid>/root of a process outside the root is not reachable.
 */
import {spawn, spawnSync} from 'node:child_process'

export interface ChrootSpec {
  root: string
  /** Real paths, resolved inside the root and checked to be directories by ChrootRunner. */
  sys: string
  dev: string
  devPts: string
  argv: string[]
}

function mount(argv: string[]): void {
  const result = spawnSync('mount', argv, {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (result.status !== 0) {
    process.stderr.write(`xensetup: mount ${argv.join(' ')} failed: ${result.stderr || result.error?.message}\n`)
    process.exit(125)
  }
}

export function chrootExec([specText]: string[]): void {
  const spec = JSON.parse(specText ?? '{}') as ChrootSpec
  if (!spec.root || !Array.isArray(spec.argv) || spec.argv.length === 0) {
    process.stderr.write('usage: xensetup __chroot-exec SPEC (JSON: root, sys, dev, devPts, argv)\n')
    process.exit(2)
  }
  // grub-probe maps the root device through /sys and needs its /dev node; apt's scripts need /dev/null.
  mount(['--bind', '/sys', spec.sys])
  mount(['--bind', '/dev', spec.dev])
  mount(['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=620', 'devpts', spec.devPts])
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--fork', '--kill-child', '--mount-proc', `--root=${spec.root}`, '--', ...spec.argv],
    {stdio: 'inherit'},
  )
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.on('error', (error) => {
    process.stderr.write(`xensetup: cannot start ${spec.argv[0]} in ${spec.root}: ${error.message}\n`)
    process.exit(127)
  })
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)))
}
