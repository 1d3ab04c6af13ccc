import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {builtCli} from '../lib/built-cli.js'
import {snapshot} from '../lib/tree.js'

/**
 * `init --dry-run --root` on an image that tries to get out: it must mount nothing, chroot nowhere, run
 * none of the image's programs (its own wipefs would write outside), write nothing, and work on a
 * read-only image. strace watches the whole process tree. Needs root (loop device, bind mount) and
 * strace; CI has both.
 */
const asRoot = process.getuid?.() === 0
const hasStrace = spawnSync('strace', ['-V']).status === 0
if (!asRoot || !hasStrace) process.stderr.write('dry-run-hostile: skipped, needs root (loop device, mount) and strace\n')
const describeAsRoot = asRoot && hasStrace ? describe : describe.skip

const FIXTURE = fileURLToPath(new URL('../fixtures/roots/debian-12', import.meta.url))

describeAsRoot('a dry run on a hostile image changes nothing and runs nothing of it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xensetup-hostile-'))
  const root = path.join(dir, 'root')
  const outside = path.join(dir, 'outside')
  const readOnly = path.join(dir, 'ro')
  const marker = path.join(outside, 'ESCAPED')
  const loopImage = path.join(dir, 'vg.img')
  let loop = ''

  beforeAll(() => {
    cpSync(FIXTURE, root, {recursive: true, verbatimSymlinks: true})
    mkdirSync(outside)
    writeFileSync(path.join(outside, 'keep'), 'outside the root\n')
    // The image's own wipefs would escape and write on this machine if xensetup ran it.
    for (const bin of ['usr/sbin', 'sbin', 'usr/bin', 'bin']) {
      mkdirSync(path.join(root, bin), {recursive: true})
      const wipefs = path.join(root, bin, 'wipefs')
      writeFileSync(wipefs, `#!/bin/sh\necho escaped > ${marker}\n`)
      chmodSync(wipefs, 0o755)
    }
    // Links that lead out, absolute and relative, where xensetup would write.
    rmSync(path.join(root, 'etc/default/grub.d'), {recursive: true, force: true})
    symlinkSync(outside, path.join(root, 'etc/default/grub.d'))
    mkdirSync(path.join(root, 'var/lib'), {recursive: true})
    symlinkSync(`${'../'.repeat(12)}${outside.slice(1)}`, path.join(root, 'var/lib/xensetup'))
    symlinkSync('/nonexistent/policy-rc.d', path.join(root, 'usr/sbin/policy-rc.d'))
    for (const mountPoint of ['proc', 'sys', 'dev/pts']) mkdirSync(path.join(root, mountPoint), {recursive: true})
    // Where guest create puts its autostart link, a link out; and the bridge its guest joins.
    symlinkSync(outside, path.join(root, 'etc/xen/auto'))
    mkdirSync(path.join(root, 'etc/network/interfaces.d'), {recursive: true})
    writeFileSync(path.join(root, 'etc/network/interfaces.d/xenbr0'), 'auto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports eno1\n')
    writeFileSync(loopImage, Buffer.alloc(0))
    execFileSync('truncate', ['-s', '64M', loopImage])
    loop = execFileSync('losetup', ['--find', '--show', loopImage], {encoding: 'utf8'}).trim()
    mkdirSync(readOnly)
    execFileSync('mount', ['--bind', root, readOnly])
    execFileSync('mount', ['-o', 'remount,bind,ro', readOnly])
  })

  afterAll(() => {
    spawnSync('umount', [readOnly])
    if (loop) spawnSync('losetup', ['-d', loop])
    rmSync(dir, {recursive: true, force: true})
  })

  const dryRun = (target: string, trace: string) =>
    spawnSync(
      'strace',
      ['-f', '-qq', '-o', trace, '-e', 'trace=execve,mount,umount2,chroot,pivot_root,unshare', process.execPath, builtCli(), 'init', '--dry-run', '--json', '--root', target, '--uplink', 'eno1', '--dom0-mem', '1024M', '--vg-device', loop, '--skip', 'bridge'],
      {encoding: 'utf8'},
    )

  test('no mount, no chroot, no program of the image, nothing written inside or outside', () => {
    const before = {root: snapshot(root), outside: snapshot(outside)}
    const trace = path.join(dir, 'trace.log')
    const run = dryRun(root, trace)
    const plan = JSON.parse(run.stdout)
    expect(plan).toMatchObject({mode: 'dry-run', result: 'planned'})
    const calls = readFileSync(trace, 'utf8').split('\n').filter((line) => /\b(execve|mount|umount2|chroot|pivot_root|unshare)\(/.test(line))
    expect(calls.filter((line) => !/execve\(/.test(line))).toEqual([])
    // Only node itself and this machine's own wipefs (the disk is this machine's) are started.
    const programs = calls.filter((line) => / execve\(/.test(line) && !/= -1 ENOENT/.test(line)).map((line) => /execve\("([^"]+)"/.exec(line)?.[1])
    expect(programs).toContain(process.execPath)
    expect(programs.every((program) => program === process.execPath || /^\/(usr\/)?s?bin\/wipefs$/.test(program ?? ''))).toBe(true)
    expect(programs.some((program) => program?.startsWith(root))).toBe(false)
    expect(existsSync(marker)).toBe(false)
    expect({root: snapshot(root), outside: snapshot(outside)}).toEqual(before)
    // The plan shows the GRUB drop-ins where a chroot would put them: inside the root.
    const boot = plan.steps.find((step: {id: string}) => step.id === 'boot')
    expect(boot.changes.map((change: {path?: string}) => change.path).filter(Boolean)).toEqual(expect.arrayContaining(['/etc/default/grub.d/00-xensetup.cfg']))
  })

  test('guest create --dry-run starts no program at all and writes nothing; its link is planned inside the root', () => {
    const before = {root: snapshot(root), outside: snapshot(outside)}
    const trace = path.join(dir, 'trace-guest.log')
    const argv = ['guest', 'create', 'g1', '--dry-run', '--json', '--root', root, '--type', 'pv', '--kernel', '/boot/vmlinuz-6.1.0-28-amd64', '--memory', '256M', '--autostart']
    const run = spawnSync('strace', ['-f', '-qq', '-o', trace, '-e', 'trace=execve,mount,umount2,chroot,pivot_root,unshare', process.execPath, builtCli(), ...argv], {encoding: 'utf8'})
    const plan = JSON.parse(run.stdout)
    expect(plan).toMatchObject({mode: 'dry-run', result: 'planned'})
    const calls = readFileSync(trace, 'utf8').split('\n').filter((line) => /\b(execve|mount|umount2|chroot|pivot_root|unshare)\(/.test(line))
    expect(calls.map((line) => /execve\("([^"]+)"/.exec(line)?.[1] ?? line).filter((program) => program !== process.execPath)).toEqual([])
    expect({root: snapshot(root), outside: snapshot(outside)}).toEqual(before)
    const autostart = plan.steps.find((step: {id: string}) => step.id === 'autostart')
    expect(autostart.changes).toEqual([expect.objectContaining({kind: 'link', path: '/etc/xen/auto/g1.cfg', target: '../g1.cfg'})])
  })

  test('works on a read-only image (nothing to write, not even a temporary file)', () => {
    const run = dryRun(readOnly, path.join(dir, 'trace-ro.log'))
    expect(run.stderr).not.toMatch(/EROFS|read-only/i)
    expect(JSON.parse(run.stdout)).toMatchObject({mode: 'dry-run', result: 'planned'})
  })

  test('a real run refuses the dangling policy-rc.d link and writes nothing outside the root', () => {
    const before = snapshot(outside)
    const run = spawnSync(process.execPath, [builtCli(), 'init', '--json', '--yes', '--root', root, '--uplink', 'eno1', '--dom0-mem', '1024M', '--only', 'boot'], {encoding: 'utf8'})
    const result = JSON.parse(run.stdout)
    expect(run.status).toBe(1)
    expect(result.steps[0]).toMatchObject({status: 'failed', error: expect.stringContaining(`${root}/usr/sbin/policy-rc.d is a symbolic link to /nonexistent/policy-rc.d, which does not exist`)})
    expect(existsSync(marker)).toBe(false)
    expect(snapshot(outside)).toEqual(before)
    // The journal and lock were written where the link leads inside the root, and the lock is released.
    expect(existsSync(path.join(root, outside.slice(1), 'journal.jsonl'))).toBe(true)
    expect(existsSync(path.join(root, outside.slice(1), 'lock'))).toBe(false)
  })

  test('a real guest create follows /etc/xen/auto only inside the root: its link lands there, nothing outside', () => {
    const before = snapshot(outside)
    const run = spawnSync(process.execPath, [builtCli(), 'guest', 'create', 'g1', '--json', '--yes', '--root', root, '--type', 'pv', '--kernel', '/boot/vmlinuz-6.1.0-28-amd64', '--autostart'], {encoding: 'utf8'})
    expect(JSON.parse(run.stdout)).toMatchObject({result: 'ok'})
    expect(snapshot(outside)).toEqual(before)
    expect(readlinkSync(path.join(root, outside.slice(1), 'g1.cfg'))).toBe('../g1.cfg')
    expect(readFileSync(path.join(root, 'etc/xen/g1.cfg'), 'utf8')).toMatch(/^name = "g1"$/m)
  })
})
