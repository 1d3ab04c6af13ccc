import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {REPO, releaseBundle} from '../lib/built-cli.js'
import {asRoot} from './lib/debian-image.js'

// Needs root for debootstrap, chroot and mount; CI runs as root, so there it always runs.
const whenRoot = asRoot ? describe : describe.skip

const MINUTES = 60_000
const NODE_ROOT = path.join(REPO, 'test/lib/node-root.sh')
const FIXTURES = path.join(REPO, 'test/fixtures/roots')
const VERSION: string = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version
/** The same clean environment for both Nodes: nothing of jest's (its NODE_OPTIONS would stop Node 18). */
const ENV = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8'}
/** Runs in the chroot get these host device nodes bound over the root's own (a nodev /tmp would break those). */
const DEVICES = ['null', 'zero', 'random', 'urandom']
/** In the chroot: the fixture of a Debian 12 host before Xen's first boot, and a running Debian 13 dom0 for guests. */
const HOST_FIXTURE = '/fixture'
const DOM0_FIXTURE = '/dom0'

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * release/xensetup.cjs claims any Node >= 18.19: here it runs on the oldest Node an admin gets from a
 * distribution, Debian 12's own `nodejs` package, in a debootstrapped bookworm root (chroot), and must
 * behave exactly as it does on the Node running these tests.
 */
whenRoot("release/xensetup.cjs on Debian 12's own Node 18 (bookworm's nodejs, in a chroot)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xensetup-node18-'))
  const root = path.join(dir, 'root')
  /** Copies the reference runs (this machine's Node) work on, as the chroot's runs work on theirs. */
  const ref = path.join(dir, 'ref')
  let bundle = ''

  /** `chroot ROOT node /xensetup.cjs ARGS`, in private mount and PID namespaces: /proc and the device binds vanish with it. */
  const node18 = (...args: string[]): Run => {
    const script = [
      ...DEVICES.map((d) => `mount --bind /dev/${d} "$0/dev/${d}"`),
      `exec chroot "$0" /usr/bin/env -i ${Object.entries(ENV).map(([k, v]) => `${k}=${v}`).join(' ')} "$@"`,
    ].join('\n')
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', `--mount-proc=${root}/proc`, 'sh', '-ec', script, root, ...args], {
      encoding: 'utf8',
      env: ENV,
      timeout: 2 * MINUTES,
    })
    if (run.error) throw run.error
    return {status: run.status, stdout: run.stdout, stderr: run.stderr}
  }
  const bundle18 = (...args: string[]) => node18('node', '/xensetup.cjs', ...args)
  /** The same bundle on this machine's Node (20), on the reference copies. */
  const bundleHere = (...args: string[]): Run => {
    const run = spawnSync(process.execPath, [bundle, ...args], {encoding: 'utf8', env: ENV, timeout: 2 * MINUTES})
    if (run.error) throw run.error
    return {status: run.status, stdout: run.stdout, stderr: run.stderr}
  }
  /** The reference run's paths as the chroot sees them: <dir>/ref/fixture → /fixture. */
  const asInChroot = (text: string) => text.split(ref).join('')
  const json = (run: Run) => {
    try {
      return JSON.parse(run.stdout)
    } catch {
      throw new Error(`not one JSON document (exit ${run.status}):\n${run.stdout}\nstderr:\n${run.stderr}`)
    }
  }
  /** Both Nodes, the same command on their own copy of the same fixtures. */
  const both = (...args: string[]) => {
    const old = bundle18(...args)
    const here = bundleHere(...args.map((arg) => (arg.startsWith('/fixture') || arg.startsWith('/dom0') ? ref + arg : arg)))
    return {old, here: {...here, stdout: asInChroot(here.stdout), stderr: asInChroot(here.stderr)}}
  }
  const mountsUnder = () =>
    readFileSync('/proc/self/mounts', 'utf8').split('\n').map((line) => line.split(' ')[1]).filter((target) => target?.startsWith(`${dir}/`))
  const domKernel = readdirSync(path.join(FIXTURES, 'debian-13/boot')).find((name) => name.startsWith('vmlinuz-'))
  const timings: Record<string, number> = {}

  beforeAll(() => {
    // First: a stale or missing bundle fails every test with the hint, before minutes of debootstrap.
    bundle = releaseBundle()
    const start = Date.now()
    execFileSync('bash', [NODE_ROOT, 'bookworm', root], {stdio: ['ignore', 'inherit', 'inherit']})
    timings['node root'] = (Date.now() - start) / 1000
    copyFileSync(bundle, path.join(root, 'xensetup.cjs'))
    mkdirSync(ref)
    for (const top of [root, ref]) {
      execFileSync('cp', ['-a', path.join(FIXTURES, 'debian-12'), top + HOST_FIXTURE])
      execFileSync('cp', ['-a', path.join(FIXTURES, 'debian-13'), top + DOM0_FIXTURE])
      // A guest disk image (sparse, raw) for guest create --disk-path.
      mkdirSync(path.join(top + DOM0_FIXTURE, 'srv/images'), {recursive: true})
      const image = path.join(top + DOM0_FIXTURE, 'srv/images/web1.img')
      writeFileSync(image, '')
      truncateSync(image, 64 * 1024 * 1024)
    }
  }, 20 * MINUTES)

  afterAll(() => {
    // The runs' mounts live in their own namespaces; anything here anyway is unmounted before removal.
    for (const target of mountsUnder().reverse()) {
      spawnSync('umount', [target])
      if (mountsUnder().includes(target)) spawnSync('umount', ['-l', target])
    }
    const left = mountsUnder()
    if (left.length > 0) throw new Error(`mounts left under ${dir}, not removed: ${left.join(', ')}`)
    rmSync(dir, {recursive: true, force: true})
    process.stderr.write(`release bundle on Node 18, seconds: ${JSON.stringify(timings)}\n`)
  })

  test("the chroot's node is Debian 12's Node 18, not this machine's", () => {
    const run = node18('node', '--version')
    expect(run).toMatchObject({status: 0, stderr: ''})
    expect(run.stdout).toMatch(/^v18\.\d+\.\d+\n$/)
    expect(node18('dpkg-query', '-W', '-f', '${Version}', 'nodejs').stdout).toMatch(/^18\.\d+\.\d+\+dfsg-.*deb12/)
  })

  test('--version names the package version, Node 18 and the bundle', () => {
    const run = bundle18('--version')
    expect(run).toMatchObject({status: 0, stderr: ''})
    expect(run.stdout).toMatch(new RegExp(`^xensetup/${VERSION.replaceAll('.', '\\.')} linux-x64 node-v18\\.\\d+\\.\\d+ \\(bundle\\)\\n$`))
  })

  test('doctor --json on the chroot itself: one JSON document, exit 0 or 1, nothing on stderr', () => {
    const run = bundle18('doctor', '--json')
    expect(run.stderr).toBe('')
    expect([0, 1]).toContain(run.status)
    const doc = json(run)
    expect(doc).toMatchObject({tool: 'xensetup', checks: expect.any(Array), summary: {verdict: expect.any(String)}})
    expect(doc.checks.length).toBeGreaterThan(0)
    expect(doc.facts.distro).toMatchObject({id: 'debian', versionId: '12'})
  })

  test('doctor --json --root on the Debian 12 fixture: the same document as on this machine\'s Node', () => {
    const {old, here} = both('doctor', '--json', '--root', HOST_FIXTURE)
    expect(old.stderr).toBe('')
    expect(old.status).toBe(here.status)
    expect(json(old)).toEqual(json(here))
  })

  test('init --dry-run --json --root: the plan, identical to the one this machine\'s Node prints', () => {
    const {old, here} = both('init', '--dry-run', '--json', '--root', HOST_FIXTURE)
    expect(old).toMatchObject({status: 0, stderr: ''})
    const plan = json(old)
    expect(plan).toMatchObject({
      mode: 'dry-run',
      root: HOST_FIXTURE,
      run: null,
      result: 'planned',
      distro: {id: 'debian', versionId: '12', family: 'debian'},
    })
    expect(plan.steps.map((s: {id: string; status: string}) => `${s.id}:${s.status}`)).toEqual([
      'packages:unchanged',
      'boot:pending',
      'services:unchanged',
      'xenfs:pending',
      'bridge:pending',
      'lvm:skipped',
    ])
    // Diffs (the diff library), EJS templates and YAML profiles, all inside the bundle, on Node 18.
    expect(plan.steps[1].changes[0].diff).toContain(`+++ ${HOST_FIXTURE}/etc/default/grub.d/00-xensetup.cfg\tplanned`)
    expect(plan).toEqual(json(here))
  })

  test('init --dry-run, for people: the same text as on this machine\'s Node', () => {
    const {old, here} = both('init', '--dry-run', '--root', HOST_FIXTURE)
    expect(old).toMatchObject({status: 0, stderr: ''})
    expect(old.stdout).toMatch(/^Target: \/fixture \(a root file system, not this machine\)\n/)
    expect(old).toEqual(here)
  })

  test('guest create: the dry-run plan, then a real run (listr2), as on this machine\'s Node', () => {
    const args = ['guest', 'create', 'web1', '--root', DOM0_FIXTURE, '--type', 'pv', '--kernel', `/boot/${domKernel}`, '--disk-path', '/srv/images/web1.img']
    const dry = both(...args, '--dry-run', '--json')
    expect(dry.old).toMatchObject({status: 0, stderr: ''})
    expect(json(dry.old)).toMatchObject({result: 'planned', guest: {name: 'web1', type: 'pv', disk: {kind: 'path', path: '/srv/images/web1.img', format: 'raw'}}})
    expect(json(dry.old)).toEqual(json(dry.here))

    const real = both(...args, '--yes')
    expect(real.old).toMatchObject({status: 0, stderr: ''})
    expect(real.old.stdout).toMatch(/^changed +config: PV \(--type pv\)/m)
    expect(real.old).toEqual(real.here)
    const written = (top: string) => readFileSync(path.join(top + DOM0_FIXTURE, 'etc/xen/web1.cfg'), 'utf8')
    expect(written(root)).toEqual(written(ref))
    const journal = readFileSync(path.join(root + DOM0_FIXTURE, 'var/lib/xensetup/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    expect(journal.at(-1)).toMatchObject({kind: 'run-end', result: 'ok'})
    expect(existsSync(path.join(root + DOM0_FIXTURE, 'var/lib/xensetup/lock'))).toBe(false)
  })

  test('help init: the help text of the bundled oclif, as on this machine\'s Node', () => {
    const {old, here} = both('help', 'init')
    expect(old).toMatchObject({status: 0, stderr: ''})
    expect(old.stdout).toMatch(/^Turn this host \(or --root\) into a Xen dom0/)
    expect(old.stdout).toContain('USAGE\n  $ xensetup init')
    expect(old.stdout).toMatch(/^ +--dry-run +Show the plan/m)
    expect(old).toEqual(here)
  })

  test('an unknown flag: one line on stderr, nothing on stdout, exit 2', () => {
    const {old, here} = both('init', '--no-such-flag')
    expect(old).toMatchObject({status: 2, stdout: ''})
    expect(old.stderr).toMatch(/^xensetup: Nonexistent flag: --no-such-flag\b[^\n]*\n$/)
    expect(old).toEqual(here)
  })

  test('no run left a mount behind', () => {
    expect(mountsUnder()).toEqual([])
  })
})
