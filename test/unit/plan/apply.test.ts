import {afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import {appendFileSync, cpSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import Apply from '../../../src/commands/apply.js'
import GuestCreate from '../../../src/commands/guest/create.js'
import Init from '../../../src/commands/init.js'
import {canonicalJson, digestOf} from '../../../src/plan/canonical.js'
import {runCommand} from '../../lib/cli.js'
import {removeTree, snapshot, writeTreeFile} from '../../lib/tree.js'

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/roots/${name}`, import.meta.url))

/** A writable copy of a fixture machine, and a directory beside it for plan files. */
let dir: string
let root: string
let planFile: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'xensetup-plan-'))
  root = path.join(dir, 'root')
  planFile = path.join(dir, 'plans', 'plan.json')
  // Xen 4.17 installed, not booted: xenfs's step only writes files (an fstab line, xl.conf's autoballoon).
  cpSync(fixture('debian-12'), root, {recursive: true})
})
afterEach(() => removeTree(dir))

const makePlan = async (...extra: string[]) => {
  const out = await runCommand(Init, ['--root', root, '--dry-run', '--out', planFile, '--only', 'xenfs', ...extra])
  expect(out.stderr).toBe('')
  expect(out.exitCode).toBe(0)
  return out
}
const apply = (...argv: string[]) => runCommand(Apply, ['--root', root, ...argv, planFile])
const plan = () => JSON.parse(readFileSync(planFile, 'utf8'))
const file = (target: string) => readFileSync(path.join(root, target), 'utf8')

describe('xensetup init --dry-run --out and xensetup apply', () => {
  test('the plan file: canonical JSON, mode 0600, on this machine; everything the plan is made of', async () => {
    const out = await makePlan()
    expect(out.stdout).toContain(`Plan written to ${planFile}: review it, then apply exactly it with \`xensetup apply --root ${root} ${planFile}\`.`)
    const text = readFileSync(planFile, 'utf8')
    expect(statSync(planFile).mode & 0o777).toBe(0o600)
    expect(canonicalJson(JSON.parse(text))).toBe(text)
    const kept = plan()
    expect(kept.digest).toBe(digestOf(kept))
    expect(kept).toMatchObject({
      format: 'xensetup-plan/1',
      command: 'init',
      target: {root, machineId: 'none'},
      flags: {only: ['xenfs'], skip: [], 'vg-name': 'vg0', uplink: null, 'dom0-max-vcpus': expect.any(String)},
      facts: {distro: 'Debian GNU/Linux 12 (bookworm)', xen: expect.stringMatching(/^4\.17/)},
    })
    const xenfs = kept.steps[0]
    expect(xenfs).toMatchObject({id: 'xenfs', status: 'pending'})
    const xl = xenfs.changes.find((c: {path?: string}) => c.path === '/etc/xen/xl.conf')
    expect(xl).toMatchObject({kind: 'file', action: 'modify', encoding: 'utf8', mode: null, secret: false, before: file('/etc/xen/xl.conf'), after: expect.stringContaining('\nautoballoon="off"\n')})
    expect(xl.diff).toContain('+autoballoon="off"')
    // What a change was computed from is what the plan read there.
    expect(kept.reads['/etc/xen/xl.conf'].content).toBe(xl.sha256.before)
    expect(kept.reads['/etc/fstab']).toMatchObject({content: 'none'})
    expect(Object.keys(kept.reads).filter((p) => /^\/(proc|sys|dev|run|tmp|var\/log|var\/lib\/xensetup)\//.test(p))).toEqual([])
  })

  test('apply: applied as kept, converged, journaled as apply; applied again it has drifted (exit 5)', async () => {
    await makePlan()
    const out = await apply('--yes', '--json')
    const doc = JSON.parse(out.stdout)
    expect(out.exitCode).toBe(0)
    expect(doc).toMatchObject({mode: 'apply', result: 'ok', drift: [], plan: {file: planFile, digest: plan().digest, command: 'init'}, steps: [{id: 'xenfs', status: 'changed'}]})
    expect(file('/etc/xen/xl.conf')).toMatch(/^autoballoon="off"$/m)
    expect(file('/etc/fstab')).toContain('xenfs /proc/xen xenfs defaults 0 0')
    const journal = file('/var/lib/xensetup/journal.jsonl').trim().split('\n').map((line) => JSON.parse(line))
    expect(journal[0]).toMatchObject({kind: 'run-start', command: 'apply'})
    const fresh = JSON.parse((await runCommand(Init, ['--root', root, '--dry-run', '--json', '--only', 'xenfs'])).stdout)
    expect(fresh.steps.map((s: {status: string}) => s.status)).toEqual(['unchanged'])

    const again = await apply('--yes')
    expect(again.exitCode).toBe(5)
    expect(again.stdout).toContain(`Changed since the plan was made: ${root}/etc/fstab, ${root}/etc/xen/xl.conf. Nothing was applied; make a new plan.`)
  })

  test('apply --dry-run shows the kept plan and the drift check, and writes nothing', async () => {
    await makePlan()
    const before = snapshot(dir)
    const out = await apply('--dry-run')
    expect(out.exitCode).toBe(0)
    expect(out.stdout).toMatch(/\n\* xenfs: [^\n]*\n    create [^\n]*\/etc\/fstab    # mount \/proc\/xen on Xen boots\n/)
    expect(out.stdout).toContain('Plan: 2 changes in 1 step. Nothing was changed (dry run).\nNothing drifted: everything the plan read is as it was when the plan was made.\n')
    expect(snapshot(dir)).toEqual(before)
    const json = JSON.parse((await apply('--dry-run', '--json')).stdout)
    expect(json).toMatchObject({mode: 'dry-run', result: 'planned', drift: [], run: null})
    expect(snapshot(dir)).toEqual(before)
  })

  test('a file the plan read changed since: refused with exit 5 naming it, nothing changed', async () => {
    await makePlan()
    appendFileSync(path.join(root, 'etc/default/grub'), '# edited after the plan\n')
    const before = snapshot(root)
    const out = await apply('--yes', '--json')
    expect(out.exitCode).toBe(5)
    const doc = JSON.parse(out.stdout)
    expect(doc).toMatchObject({result: 'failed', drift: [{path: '/etc/default/grub', facet: 'content', planned: expect.stringMatching(/^sha256:/), now: expect.stringMatching(/^sha256:/)}]})
    expect(snapshot(root)).toEqual(before)
    const dry = await apply('--dry-run')
    expect(dry.exitCode).toBe(5)
    expect(dry.stdout).toContain(`Changed since the plan was made: ${root}/etc/default/grub. Nothing was applied; make a new plan.`)
  })

  test('a file a kept change edits changed since, with no recorded read to show it: still exit 5, nothing applied', async () => {
    await makePlan()
    // A plan whose reads were dropped (digest made again): only the engine's own checks are left.
    const {digest: _digest, ...rest} = {...plan(), reads: {}}
    writeFileSync(planFile, canonicalJson({...rest, digest: digestOf(rest)}))
    appendFileSync(path.join(root, 'etc/xen/xl.conf'), '# edited after the plan\n')
    const before = snapshot(path.join(root, 'etc'))
    const out = await apply('--yes', '--json')
    expect(out.exitCode).toBe(5)
    expect(JSON.parse(out.stdout)).toMatchObject({result: 'failed', drift: [], steps: [{id: 'xenfs', status: 'failed', error: `changed since the plan was shown: ${root}/etc/xen/xl.conf`}]})
    expect(snapshot(path.join(root, 'etc'))).toEqual(before)
  })

  test('a step that no longer plans as kept (not because of this run) fails with exit 5 and applies none of it', async () => {
    await makePlan()
    const {digest: _digest, ...rest} = {...plan(), reads: {}}
    writeFileSync(planFile, canonicalJson({...rest, digest: digestOf(rest)}))
    // Debian's init script now mounts xenfs itself: the fstab line the plan adds is no longer wanted.
    appendFileSync(path.join(root, 'etc/init.d/xen'), '# mount -t xenfs xenfs /proc/xen\n')
    const before = snapshot(path.join(root, 'etc'))
    const out = await apply('--yes', '--json')
    expect(out.exitCode).toBe(5)
    expect(JSON.parse(out.stdout).steps).toEqual([expect.objectContaining({id: 'xenfs', status: 'failed', error: expect.stringMatching(/^the plan for xenfs changed since it was shown .*; nothing of it was applied/)})])
    expect(snapshot(path.join(root, 'etc'))).toEqual(before)
  })

  test('an edited plan file is refused with exit 5 before anything is read or changed', async () => {
    await makePlan()
    writeFileSync(planFile, readFileSync(planFile, 'utf8').replace('"why": "dom0_mem is fixed', '"why": "Dom0_mem is fixed'))
    const before = snapshot(root)
    const out = await apply('--yes')
    expect(out.exitCode).toBe(5)
    expect(out.stderr).toBe(`xensetup: ${planFile} was edited after it was made: its digest does not match its content (hint: a plan is applied only as it was made and reviewed: make a new one with --dry-run --out)\n`)
    expect(snapshot(root)).toEqual(before)
  })

  test('another version, another root or another machine: exit 5; not a plan: exit 2', async () => {
    await makePlan()
    const kept = plan()
    const {digest: _digest, ...rest} = {...kept, version: '0.0.1'}
    writeFileSync(planFile, canonicalJson({...rest, digest: digestOf(rest)}))
    expect((await apply('--yes')).stderr).toMatch(/was made by xensetup 0\.0\.1; this is xensetup \d/)
    writeFileSync(planFile, canonicalJson(kept))

    const other = path.join(dir, 'other')
    cpSync(root, other, {recursive: true})
    const elsewhere = await runCommand(Apply, ['--root', other, '--yes', planFile])
    expect(elsewhere.exitCode).toBe(5)
    expect(elsewhere.stderr).toBe(`xensetup: ${planFile} was made for --root ${root}, not --root ${other} (hint: give --root ${root}, or make a new plan for this target)\n`)

    writeTreeFile(root, '/etc/machine-id', '0123456789abcdef0123456789abcdef\n')
    const machine = await apply('--yes')
    expect(machine.exitCode).toBe(5)
    expect(machine.stderr).toMatch(/was made for another machine: .*\/etc\/machine-id differs/)

    writeFileSync(planFile, '{"format": "something-else"}\n')
    const notPlan = await apply('--yes')
    expect(notPlan.exitCode).toBe(2)
    expect(notPlan.stderr).toMatch(/is not a xensetup plan file \(format "something-else"/)
  })

  test('--out without --dry-run is a usage error; a plan that cannot be done is not written', async () => {
    const out = await runCommand(Init, ['--root', root, '--out', planFile, '--only', 'xenfs'])
    expect(out.exitCode).toBe(2)
    expect(out.stderr).toMatch(/^xensetup: --out writes the plan of a dry run \(hint: add --dry-run/)
    // Inside the target the plan would be a file of the target's that no confined write made.
    const before = snapshot(root)
    const inside = await runCommand(Init, ['--root', root, '--dry-run', '--out', path.join(root, 'etc/plan.json'), '--only', 'xenfs'])
    expect(inside.exitCode).toBe(2)
    expect(inside.stderr).toMatch(/^xensetup: --out .*etc\/plan\.json is inside the target .* \(hint: write the plan outside --root/)
    expect(snapshot(root)).toEqual(before)
    // An fstab line xenfs cannot read past: the step cannot be planned.
    writeTreeFile(root, '/etc/fstab', 'UUID=1 /\n')
    const failed = await runCommand(Init, ['--root', root, '--dry-run', '--out', planFile, '--only', 'xenfs'])
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toContain(`No plan was written to ${planFile}.`)
    expect(() => statSync(planFile)).toThrow()
  })
})

describe('xensetup guest create --dry-run --out and apply', () => {
  test('a guest with an image file: kept, applied, converged', async () => {
    removeTree(root)
    cpSync(fixture('debian-13'), root, {recursive: true})
    writeTreeFile(root, '/srv/img/new1.raw', '\0'.repeat(512))
    const args = ['new1', '--root', root, '--kernel', '/boot/vmlinuz-6.12.48+deb13-amd64', '--type', 'pv', '--disk-path', '/srv/img/new1.raw', '--memory', '512M']
    const made = await runCommand(GuestCreate, [...args, '--dry-run', '--out', planFile])
    expect(made.stderr).toBe('')
    expect(made.exitCode).toBe(0)
    expect(plan()).toMatchObject({command: 'guest create', arguments: {name: 'new1'}, flags: {'disk-path': '/srv/img/new1.raw', memory: '512M', type: 'pv', vcpus: 1}})
    expect(plan().flags).not.toHaveProperty('dry-run')
    expect(plan().reads['/srv/img/new1.raw']).toEqual({'head:8': expect.stringMatching(/^sha256:/), kind: 'file'})
    const out = await apply('--yes', '--json')
    expect(out.exitCode).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({result: 'ok', plan: {command: 'guest create'}})
    expect(file('/etc/xen/new1.cfg')).toContain('name = "new1"')
    const again = JSON.parse((await runCommand(GuestCreate, [...args, '--dry-run', '--json'])).stdout)
    expect(again.steps.filter((s: {status: string}) => s.status === 'pending')).toEqual([])
  })
})
