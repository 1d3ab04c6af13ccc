import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {runDoctor} from '../../../src/doctor/run-doctor.js'
import {managedBlock} from '../../../src/engine/desired.js'
import {Engine} from '../../../src/engine/engine.js'
import {Journal} from '../../../src/engine/journal.js'
import type {Step} from '../../../src/engine/step.js'
import {HostFiles} from '../../../src/facts/files.js'
import {gatherFacts} from '../../../src/facts/index.js'
import {Host, HostPathError} from '../../../src/host/host.js'
import {FakeRunner} from '../../lib/fake-runner.js'

/*
 * A "hostile image": a tree given as --root whose links point outside it, beside an OUTSIDE directory
 * standing for the machine running xensetup. Whatever the tree holds, nothing under OUTSIDE may be
 * read or written: every path is resolved as the kernel resolves it inside a chroot at the root.
 */

let base: string
let ROOT: string
let OUTSIDE: string
let outsideBefore: Record<string, string>

const OWNER = {mode: 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0}
const MARKER = 'OUTSIDE-MARKER: this line must never be read or overwritten\n'

/** Every entry under dir, directories included (with their mode), links with their target, files with content. */
function fullSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const real = path.join(current, name)
      const stat = lstatSync(real)
      const key = path.relative(dir, real)
      if (stat.isSymbolicLink()) out[key] = `link -> ${readlinkSync(real)}`
      else if (stat.isDirectory()) {
        out[key] = `dir ${(stat.mode & 0o7777).toString(8)}`
        walk(real)
      } else if (stat.isFile()) out[key] = `file ${(stat.mode & 0o7777).toString(8)} ${stat.mtimeMs} ${readFileSync(real, 'latin1')}`
      else out[key] = `special ${stat.mode.toString(8)}`
    }
  }
  walk(dir)
  return out
}

function put(relative: string, content: string | Buffer): void {
  const real = path.join(ROOT, relative)
  mkdirSync(path.dirname(real), {recursive: true})
  writeFileSync(real, content)
}

function link(relative: string, target: string): void {
  const real = path.join(ROOT, relative)
  mkdirSync(path.dirname(real), {recursive: true})
  symlinkSync(target, real)
}

/** Where a target-side path lands in the tree: ROOT + the path. */
const inRoot = (target: string) => path.join(ROOT, target)

/** A relative link that climbs out of ROOT on the real file system (8 levels past the tree's depth) to `absolute`. */
const climbingLink = (absolute: string) => `${'../'.repeat(8 + ROOT.split('/').length)}${absolute.slice(1)}`

beforeEach(() => {
  // realpath: the test's expectations use the same spelling of the root as Host does.
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'xensetup-hostile-')))
  ROOT = path.join(base, 'root')
  OUTSIDE = path.join(base, 'outside')
  mkdirSync(ROOT)
  mkdirSync(path.join(OUTSIDE, 'grub.d'), {recursive: true})
  writeFileSync(path.join(OUTSIDE, 'fstab'), MARKER)
  writeFileSync(path.join(OUTSIDE, 'os-release'), 'NAME="Outside"\nID=outside-os\nVERSION_ID=1\n')
  writeFileSync(path.join(OUTSIDE, 'grub.d', 'zz-xensetup.cfg'), MARKER)
  outsideBefore = fullSnapshot(OUTSIDE)
})

afterEach(() => {
  // Every case: the machine outside the tree is exactly as it was.
  try {
    expect(fullSnapshot(OUTSIDE)).toEqual(outsideBefore)
  } finally {
    rmSync(base, {recursive: true, force: true})
  }
})

describe('links that point outside the root are resolved inside it', () => {
  test('etc/default/grub.d as an absolute link to OUTSIDE: the drop-in lands at ROOT + that path', () => {
    link('etc/default/grub.d', OUTSIDE)
    new Host(ROOT).write('/etc/default/grub.d/zz-xensetup.cfg', 'GRUB_DEFAULT=saved\n', 'utf8', OWNER)
    expect(readFileSync(path.join(ROOT, OUTSIDE, 'zz-xensetup.cfg'), 'utf8')).toBe('GRUB_DEFAULT=saved\n')
    expect(readlinkSync(inRoot('etc/default/grub.d'))).toBe(OUTSIDE)
  })

  test('etc/default/grub.d as a relative link climbing far above the root to OUTSIDE: clamped at the root', () => {
    const target = climbingLink(OUTSIDE)
    link('etc/default/grub.d', target)
    // On the real file system the link does lead to OUTSIDE: the test is meaningful.
    expect(realpathSync(inRoot('etc/default/grub.d'))).toBe(OUTSIDE)
    new Host(ROOT).write('/etc/default/grub.d/zz-xensetup.cfg', 'GRUB_DEFAULT=saved\n', 'utf8', OWNER)
    expect(readFileSync(path.join(ROOT, OUTSIDE, 'zz-xensetup.cfg'), 'utf8')).toBe('GRUB_DEFAULT=saved\n')
  })

  test('a relative link that climbs exactly out of the tree into its sibling (../../../outside) stays in the root', () => {
    link('etc/default/grub.d', '../../../outside')
    expect(realpathSync(inRoot('etc/default/grub.d'))).toBe(OUTSIDE)
    new Host(ROOT).write('/etc/default/grub.d/zz-xensetup.cfg', 'x\n', 'utf8', OWNER)
    expect(readFileSync(inRoot('outside/zz-xensetup.cfg'), 'utf8')).toBe('x\n')
  })

  test('var/lib/xensetup as a link outside: the journal and the backups land inside the root', () => {
    link('var/lib/xensetup', OUTSIDE)
    put('etc/fstab', 'UUID=1 / ext4 defaults 0 1\n')
    const journal = new Journal(new Host(ROOT), 'run-1')
    journal.record({kind: 'intent', step: 'fstab', change: 'write /etc/fstab'})
    expect(journal.backup('/etc/fstab')).toBe('/var/lib/xensetup/backups/run-1/etc/fstab')
    const state = path.join(ROOT, OUTSIDE)
    expect(readFileSync(path.join(state, 'journal.jsonl'), 'utf8')).toContain('"change":"write /etc/fstab"')
    expect(readFileSync(path.join(state, 'backups/run-1/etc/fstab'), 'utf8')).toBe('UUID=1 / ext4 defaults 0 1\n')
  })

  test('etc/fstab as a link to a file only OUTSIDE has: read gives nothing, or the in-root file at that path', () => {
    link('etc/fstab', path.join(OUTSIDE, 'fstab'))
    const host = new Host(ROOT)
    expect(host.read('/etc/fstab')).toBeUndefined()
    expect(host.exists('/etc/fstab')).toBe(false)
    put(path.join(OUTSIDE, 'fstab').slice(1), 'in-root fstab\n')
    expect(host.read('/etc/fstab')).toBe('in-root fstab\n')
  })

  test("etc/os-release -> /usr/lib/os-release: facts read the tree's own file, not this machine's", () => {
    link('etc/os-release', '/usr/lib/os-release')
    put('usr/lib/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n')
    const facts = gatherFacts(new Host(ROOT))
    expect(facts.distro).toMatchObject({id: 'alpine', versionId: '3.20.3', family: 'alpine'})
    expect(facts.unreadable).toEqual([])
  })

  test('proc/cpuinfo -> /dev/zero resolves to the missing ROOT/dev/zero; the real device is never opened', () => {
    link('proc/cpuinfo', '/dev/zero')
    const host = new Host(ROOT)
    expect(host.read('/proc/cpuinfo')).toBeUndefined()
    const facts = gatherFacts(host)
    expect(facts.unreadable).not.toContain('/proc/cpuinfo')
    // The same link with a file at ROOT/dev/zero: that file is what is read.
    put('dev/zero', 'processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu lm svm npt\n\n')
    expect(gatherFacts(host).cpu.vendor).toMatch(/amd/i)
  })
})

describe('what is not a regular file', () => {
  let writer: ChildProcess | undefined

  /**
   * If the FIFO were opened for reading, the open would block the whole test process forever. A writer
   * that opens it after 3 s turns such a hang into a slow read, so the test fails on its timing instead.
   */
  function fifoAt(relative: string): string {
    const fifo = inRoot(relative)
    mkdirSync(path.dirname(fifo), {recursive: true})
    execFileSync('mkfifo', [fifo])
    writer = spawn('sh', ['-c', 'sleep 3; : > "$1"', 'sh', fifo], {stdio: 'ignore'})
    return fifo
  }

  afterEach(() => {
    writer?.kill()
    writer = undefined
  })

  test('a FIFO at proc/meminfo: read throws HostPathError naming the path, at once', () => {
    fifoAt('proc/meminfo')
    const started = Date.now()
    let thrown: unknown
    try {
      new Host(ROOT).read('/proc/meminfo')
    } catch (error) {
      thrown = error
    }
    expect(Date.now() - started).toBeLessThan(2000)
    expect(thrown).toBeInstanceOf(HostPathError)
    expect((thrown as HostPathError).path).toBe(inRoot('proc/meminfo'))
    expect((thrown as Error).message).toMatch(/FIFO/)
  })

  test('gatherFacts over the FIFO completes and lists it as unreadable', () => {
    fifoAt('proc/meminfo')
    put('etc/os-release', 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n')
    const started = Date.now()
    const facts = gatherFacts(new Host(ROOT))
    expect(Date.now() - started).toBeLessThan(2000)
    expect(facts.unreadable).toContain('/proc/meminfo')
    expect(facts.distro.id).toBe('debian')
  })

  test('doctor over the FIFO completes with a report', async () => {
    fifoAt('proc/meminfo')
    put('etc/os-release', 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n')
    const started = Date.now()
    const outcome = await runDoctor({root: ROOT, verbose: false})
    expect(Date.now() - started).toBeLessThan(2000)
    expect(outcome.text).toMatch(/^xensetup doctor: /)
    expect(outcome.document).toMatchObject({facts: {unreadable: expect.arrayContaining(['/proc/meminfo'])}})
  })

  test('HostFiles turns the FIFO into "unreadable", not a crash', () => {
    fifoAt('proc/meminfo')
    const files = new HostFiles(new Host(ROOT))
    const started = Date.now()
    expect(files.read('/proc/meminfo')).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(files.unreadable).toEqual(['/proc/meminfo'])
  })

  test('a file larger than 32 MiB is refused with HostPathError', () => {
    put('etc/huge.conf', '')
    truncateSync(inRoot('etc/huge.conf'), 32 * 1024 * 1024 + 1)
    expect(() => new Host(ROOT).read('/etc/huge.conf')).toThrow(HostPathError)
    expect(() => new Host(ROOT).read('/etc/huge.conf')).toThrow(/huge\.conf is larger than 32 MiB/)
  })

  test('a file of exactly 32 MiB is still read', () => {
    put('etc/big.conf', '')
    truncateSync(inRoot('etc/big.conf'), 32 * 1024 * 1024)
    expect(new Host(ROOT).read('/etc/big.conf')).toHaveLength(32 * 1024 * 1024)
  })

  test('a directory reads as undefined', () => {
    mkdirSync(inRoot('etc/fstab'), {recursive: true})
    expect(new Host(ROOT).read('/etc/fstab')).toBeUndefined()
  })
})

describe('writes through links', () => {
  test('a dangling usr/sbin/policy-rc.d link is refused, naming the path, and nothing is created', () => {
    link('usr/sbin/policy-rc.d', '/nonexistent/x')
    const before = fullSnapshot(ROOT)
    let thrown: unknown
    try {
      new Host(ROOT).write('/usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', 'utf8', {...OWNER, mode: 0o755})
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(HostPathError)
    expect((thrown as HostPathError).path).toBe(inRoot('usr/sbin/policy-rc.d'))
    expect((thrown as Error).message).toMatch(/\/nonexistent\/x, which does not exist/)
    expect(fullSnapshot(ROOT)).toEqual(before)
    expect(existsSync(inRoot('nonexistent'))).toBe(false)
    expect(existsSync('/nonexistent/x')).toBe(false)
  })

  test('a dangling link is refused for append too', () => {
    link('var/lib/xensetup/journal.jsonl', '/nonexistent/journal')
    expect(() => new Host(ROOT).append('/var/lib/xensetup/journal.jsonl', 'x\n', 0o600)).toThrow(HostPathError)
    expect(existsSync(inRoot('nonexistent'))).toBe(false)
  })

  test.each([
    ['relative', 'fstab.real'],
    ['absolute', '/etc/fstab.real'],
  ])('a managed file that is an in-root %s link is written where it points and stays a link', (_form, target) => {
    put('etc/fstab.real', 'UUID=1 / ext4 defaults 0 1\n')
    link('etc/fstab', target)
    const host = new Host(ROOT)
    expect(host.read('/etc/fstab')).toBe('UUID=1 / ext4 defaults 0 1\n')
    host.write('/etc/fstab', 'UUID=1 / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n', 'utf8', OWNER)
    expect(lstatSync(inRoot('etc/fstab')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(inRoot('etc/fstab'))).toBe(target)
    expect(readFileSync(inRoot('etc/fstab.real'), 'utf8')).toBe('UUID=1 / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n')
    expect(readdirSync(inRoot('etc')).sort()).toEqual(['fstab', 'fstab.real'])
  })

  test('the engine applies a managed block through an in-root link: the target changes, the backup holds the original', async () => {
    put('etc/fstab.real', 'UUID=1 / ext4 defaults 0 1\n')
    link('etc/fstab', '/etc/fstab.real')
    const host = new Host(ROOT)
    const step: Step<Host> = {id: 'fstab', title: 'fstab', plan: (h) => ({changes: managedBlock(h, '/etc/fstab', 'xenfs', 'xenfs /proc/xen xenfs defaults 0 0', 'test')})}
    const engine = new Engine(host, new FakeRunner(), new Journal(host, 'run-1'), () => host)
    expect((await engine.applyStep(step)).status).toBe('changed')
    expect(readlinkSync(inRoot('etc/fstab'))).toBe('/etc/fstab.real')
    expect(readFileSync(inRoot('etc/fstab.real'), 'utf8')).toContain('# BEGIN xensetup xenfs\n')
    expect(readFileSync(inRoot('var/lib/xensetup/backups/run-1/etc/fstab'), 'utf8')).toBe('UUID=1 / ext4 defaults 0 1\n')
  })
})

describe('.. and loops', () => {
  test('.. beyond the root in a link clamps at the root', () => {
    mkdirSync(inRoot('etc/grub-real'), {recursive: true})
    link('etc/default/grub.d', `${'../'.repeat(30)}etc/grub-real`)
    const host = new Host(ROOT)
    expect(host.canonical('/etc/default/grub.d/zz.cfg')).toBe('/etc/grub-real/zz.cfg')
    host.write('/etc/default/grub.d/zz.cfg', 'x\n', 'utf8', OWNER)
    expect(readFileSync(inRoot('etc/grub-real/zz.cfg'), 'utf8')).toBe('x\n')
  })

  test('.. in a target path itself clamps at the root', () => {
    put('etc/fstab', 'in root\n')
    const host = new Host(ROOT)
    expect(host.canonical('/../../../etc/fstab')).toBe('/etc/fstab')
    expect(host.read('/../../../../etc/fstab')).toBe('in root\n')
  })

  test('a two-link loop is a HostPathError for read and write, not a stack overflow', () => {
    link('etc/a', 'b')
    link('etc/b', 'a')
    const host = new Host(ROOT)
    expect(() => host.read('/etc/a')).toThrow(HostPathError)
    expect(() => host.read('/etc/a')).toThrow(/too many levels of symbolic links/)
    expect(() => host.write('/etc/a', 'x\n', 'utf8', OWNER)).toThrow(HostPathError)
    expect(readlinkSync(inRoot('etc/a'))).toBe('b')
  })

  test('a directory link that contains itself is a HostPathError, and facts list the path as unreadable', () => {
    link('etc/default/grub.d', '/etc/default/grub.d/sub')
    link('etc/os-release', 'os-release')
    const host = new Host(ROOT)
    expect(() => host.write('/etc/default/grub.d/zz.cfg', 'x\n', 'utf8', OWNER)).toThrow(HostPathError)
    expect(gatherFacts(host).unreadable).toContain('/etc/os-release')
  })
})

describe('a batch of reads (readingAtOnce) looks each component up once, and only while it runs', () => {
  test('inside it, links resolve exactly as outside it, outside links included', () => {
    link('etc/default/grub.d', OUTSIDE)
    link('etc/os-release', '/usr/lib/os-release')
    put('usr/lib/os-release', 'ID=inside\n')
    const host = new Host(ROOT)
    const paths = ['/etc/default/grub.d/zz.cfg', '/etc/os-release', '/etc/missing/x', '/usr/lib/os-release']
    const plain = paths.map((p) => host.canonical(p))
    expect(host.readingAtOnce(() => paths.map((p) => host.canonical(p)))).toEqual(plain)
    expect(host.readingAtOnce(() => host.read('/etc/os-release'))).toBe('ID=inside\n')
  })

  test('what a batch saw is forgotten after it: a link made later is followed, and a write goes through it confined', () => {
    mkdirSync(inRoot('etc/default/grub.d'), {recursive: true})
    const host = new Host(ROOT)
    expect(host.readingAtOnce(() => host.canonical('/etc/default/grub.d/zz.cfg'))).toBe('/etc/default/grub.d/zz.cfg')
    rmSync(inRoot('etc/default/grub.d'), {recursive: true})
    link('etc/default/grub.d', OUTSIDE)
    expect(host.canonical('/etc/default/grub.d/zz.cfg')).toBe(`${OUTSIDE}/zz.cfg`)
    host.write('/etc/default/grub.d/zz.cfg', 'x\n', 'utf8', OWNER)
    expect(readFileSync(path.join(ROOT, OUTSIDE, 'zz.cfg'), 'utf8')).toBe('x\n')
  })

  test('a write inside a batch is refused before it touches anything', () => {
    const host = new Host(ROOT)
    expect(() => host.readingAtOnce(() => host.write('/etc/x.cfg', 'x\n', 'utf8', OWNER))).toThrow(/no write while reading at once/)
    expect(existsSync(inRoot('etc/x.cfg'))).toBe(false)
  })
})

describe('a missing component followed by .. (the kernel says ENOENT; it must not skip link resolution)', () => {
  test('write through grub.d -> /missing/../etc/evil with etc/evil -> OUTSIDE stays in the root', () => {
    link('etc/evil', OUTSIDE)
    link('etc/default/grub.d', '/missing/../etc/evil')
    // The kernel cannot reach it (ENOENT at `..`), so neither does the write: refused by name.
    expect(() => new Host(ROOT).write('/etc/default/grub.d/zz-xensetup.cfg', 'GRUB_DEFAULT=saved\n', 'utf8', OWNER)).toThrow(
      new HostPathError(`${ROOT}/etc/default/grub.d/zz-xensetup.cfg`, 'cannot be reached: a link in its path leads through a missing directory and `..`'),
    )
    expect(readFileSync(path.join(OUTSIDE, 'grub.d/zz-xensetup.cfg'), 'utf8')).toBe(MARKER)
    expect(existsSync(path.join(OUTSIDE, 'zz-xensetup.cfg'))).toBe(false)
  })

  test("read through etc/os-release -> /missing/../etc/evil/os-release never returns OUTSIDE's file", () => {
    link('etc/evil', OUTSIDE)
    link('etc/os-release', '/missing/../etc/evil/os-release')
    // As for the kernel, the file is not there.
    expect(new Host(ROOT).read('/etc/os-release')).toBeUndefined()
  })

  test('facts over a link through /missing/.. complete, without OUTSIDE\'s os-release', () => {
    link('etc/evil', OUTSIDE)
    link('etc/os-release', '/missing/../etc/evil/os-release')
    put('usr/lib/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n')
    // os-release is missing, so the tree's usr/lib/os-release answers, as it does on a real system.
    expect(gatherFacts(new Host(ROOT)).distro.id).toBe('alpine')
  })
})

describe('modes and bytes', () => {
  test('mkdirs creates 0755 directories under a umask of 077', () => {
    const host = new Host(ROOT)
    const old = process.umask(0o077)
    try {
      host.mkdirs('/etc/xen/scripts')
      host.write('/etc/default/grub.d/zz.cfg', 'x\n', 'utf8', OWNER)
    } finally {
      process.umask(old)
    }
    for (const dir of ['etc', 'etc/xen', 'etc/xen/scripts', 'etc/default', 'etc/default/grub.d']) {
      expect([dir, statSync(inRoot(dir)).mode & 0o7777]).toEqual([dir, 0o755])
    }
    expect(statSync(inRoot('etc/default/grub.d/zz.cfg')).mode & 0o7777).toBe(0o644)
  })

  test('mkdirs with an explicit mode uses exactly that mode', () => {
    const old = process.umask(0o022)
    try {
      new Host(ROOT).mkdirs('/var/lib/xensetup', 0o700)
    } finally {
      process.umask(old)
    }
    expect(statSync(inRoot('var/lib/xensetup')).mode & 0o7777).toBe(0o700)
  })

  test('files are read whole whatever their size, and whatever size stat gives them', () => {
    const big = Buffer.alloc(700 * 1024, 'dpkg ')
    put('var/lib/dpkg/status', big)
    put('etc/hostname', 'box\n')
    put('etc/empty', '')
    const host = new Host(ROOT)
    expect(host.readBytes('/var/lib/dpkg/status')?.equals(big)).toBe(true)
    expect(host.readBytes('/etc/hostname')?.toString()).toBe('box\n')
    expect(host.readBytes('/etc/empty')?.length).toBe(0)
  })

  test('a /proc file, whose size reads 0, is read whole past the first buffer', async () => {
    // A process of ours with 400 KB of environment: /proc/<pid>/environ says size 0 and holds it all.
    const env = Object.fromEntries([1, 2, 3, 4].map((n) => [`XENSETUP_BIG_${n}`, String(n).repeat(100_000)]))
    const child = spawn('sleep', ['30'], {env})
    try {
      const environ = `/proc/${child.pid}/environ`
      expect(statSync(environ).size).toBe(0)
      const read = new Host('/').readBytes(environ)
      expect(read?.length).toBeGreaterThan(400_000)
      expect(read?.equals(readFileSync(environ))).toBe(true)
      expect(new Host('/').read(environ)).toBe(readFileSync(environ, 'utf8'))
    } finally {
      child.kill()
    }
  })

  test('UTF-8 text keeps a byte order mark and any U+FFFD it holds; other bytes are read one character each', () => {
    put('etc/bom.conf', Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0x0a]))
    put('etc/latin.conf', Buffer.from([0x61, 0xe9, 0x0a]))
    put('etc/replacement.conf', 'a\ufffd\n')
    const host = new Host(ROOT)
    const expected = {
      '/etc/bom.conf': {text: '\ufeffa\n', encoding: 'utf8'},
      '/etc/latin.conf': {text: 'a\u00e9\n', encoding: 'latin1'},
      '/etc/replacement.conf': {text: 'a\ufffd\n', encoding: 'utf8'},
    }
    for (const [file, text] of Object.entries(expected)) expect([file, host.readFile(file)]).toEqual([file, text])
    // A kept plan's reads go through the bytes, to hash them: the text must be the same.
    host.recorder = () => undefined
    for (const [file, text] of Object.entries(expected)) expect([file, host.readFile(file)]).toEqual([file, text])
  })

  test('a file with bytes that are not UTF-8 keeps every byte outside the managed block', () => {
    const head = Buffer.concat([Buffer.from([0x23, 0xe9, 0x0a]), Buffer.from('UUID=1 / ext4 defaults 0 1\n'), Buffer.from([0x23, 0xff, 0xfe, 0xc3, 0x0a])])
    put('etc/fstab', head)
    const host = new Host(ROOT)
    const [change] = managedBlock(host, '/etc/fstab', 'xenfs', 'xenfs /proc/xen xenfs defaults 0 0', 'test')
    expect(change).toMatchObject({kind: 'file', encoding: 'latin1'})
    if (change.kind !== 'file' || change.after === null) throw new Error('expected a file written')
    host.write(change.path, change.after, change.encoding ?? 'utf8', OWNER)
    const written = readFileSync(inRoot('etc/fstab'))
    const block = Buffer.from('# BEGIN xensetup xenfs\nxenfs /proc/xen xenfs defaults 0 0\n# END xensetup xenfs\n')
    expect(written.subarray(0, head.length).equals(head)).toBe(true)
    expect(written.subarray(head.length).equals(block)).toBe(true)
  })

  test('a block replaced in the middle of a latin1 file keeps the foreign bytes before and after it', async () => {
    const before = Buffer.from([0x23, 0xe9, 0x0a])
    const after = Buffer.concat([Buffer.from('/dev/vdb /srv ext4 defaults 0 2 '), Buffer.from([0x23, 0xa0, 0xff]), Buffer.from('\n')])
    const oldBlock = Buffer.from('# BEGIN xensetup xenfs\nold line\n# END xensetup xenfs\n')
    put('etc/fstab', Buffer.concat([before, oldBlock, after]))
    const host = new Host(ROOT)
    const step: Step<Host> = {id: 'fstab', title: 'fstab', plan: (h) => ({changes: managedBlock(h, '/etc/fstab', 'xenfs', 'xenfs /proc/xen xenfs defaults 0 0', 'test')})}
    const engine = new Engine(host, new FakeRunner(), new Journal(host, 'run-1'), () => host)
    expect((await engine.applyStep(step)).status).toBe('changed')
    const newBlock = Buffer.from('# BEGIN xensetup xenfs\nxenfs /proc/xen xenfs defaults 0 0\n# END xensetup xenfs\n')
    expect(readFileSync(inRoot('etc/fstab')).equals(Buffer.concat([before, newBlock, after]))).toBe(true)
    // The backup is the original, byte for byte.
    expect(readFileSync(inRoot('var/lib/xensetup/backups/run-1/etc/fstab')).equals(Buffer.concat([before, oldBlock, after]))).toBe(true)
  })
})
