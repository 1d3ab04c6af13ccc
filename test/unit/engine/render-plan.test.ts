import {afterEach, describe, expect, test} from '@jest/globals'
import {failedReport, StepFailure, type StepReport} from '../../../src/engine/step.js'
import {planText, resultText, viewSteps} from '../../../src/engine/render-plan.js'
import {Host} from '../../../src/host/host.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const HOSTILE = 'evil\x1b[31mred\x07bell\rreturn\x9bcsi'
const ESCAPED = 'evil\\x1b[31mred\\x07bell\\x0dreturn\\x9bcsi'
/** Raw control characters other than newline and tab: C0, DEL and C1. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/

let root: string
afterEach(() => {
  if (root) removeTree(root)
})

const pending = (id: string, changes: StepReport['changes']): StepReport => ({id, title: `Step ${id}`, status: 'pending', changes})
const unchanged = (id: string): StepReport => ({id, title: `Step ${id}`, status: 'unchanged', reason: 'already configured', changes: []})

describe('planText', () => {
  test('a failed step with nothing pending never says "Nothing to do"', async () => {
    root = makeTree()
    const host = new Host(root)
    const reports = [unchanged('packages'), failedReport({id: 'boot', title: 'Boot entry'}, new StepFailure('grub-mkconfig is not installed'))]
    const text = planText(await viewSteps(reports, host), host, false)
    expect(text).not.toMatch(/Nothing to do/)
    expect(text).toMatch(/^! boot: Boot entry\n {4}cannot plan: grub-mkconfig is not installed$/m)
    expect(text).toMatch(/boot cannot be done as asked: nothing will be applied until that is fixed\.\n$/)
  })

  test('a failed dry run is not "Nothing was changed (dry run)" either: it says what cannot be done', async () => {
    root = makeTree()
    const host = new Host(root)
    const reports = [failedReport({id: 'xenfs', title: 'xenfs'}, new StepFailure('no xl.conf')), pending('packages', [{kind: 'command', argv: ['apt-get', 'install', 'xen'], why: 'install'}])]
    const text = planText(await viewSteps(reports, host), host, true)
    expect(text).not.toMatch(/Nothing to do|Plan: /)
    expect(text).toMatch(/xenfs cannot be done as asked/)
  })

  test('a refusal is shown as refused', async () => {
    root = makeTree()
    const host = new Host(root)
    const views = await viewSteps([{...failedReport({id: 'lvm', title: 'LVM'}, new StepFailure('in use')), refused: true}], host)
    expect(planText(views, host, false)).toMatch(/^ {4}refused: in use$/m)
  })

  test('nothing failed and nothing pending: "Nothing to do"', async () => {
    root = makeTree()
    const host = new Host(root)
    expect(planText(await viewSteps([unchanged('packages')], host), host, false)).toMatch(/Nothing to do: the host is already configured\.\n$/)
  })

  test('control characters in a step error, its detail, a diff and a path are shown escaped', async () => {
    root = makeTree()
    const host = new Host(root)
    const reports: StepReport[] = [
      failedReport({id: 'boot', title: 'Boot'}, new StepFailure(`cannot read ${HOSTILE}`, `apt said: ${HOSTILE}`)),
      pending('fstab', [
        {kind: 'file', path: '/etc/fstab', before: `# ${HOSTILE}\n`, after: `# ${HOSTILE}\nxenfs /proc/xen xenfs defaults 0 0\n`, why: 'test'},
        {kind: 'file', path: `/etc/${HOSTILE}.cfg`, before: null, after: `x=${HOSTILE}\n`, why: `because ${HOSTILE}`},
        {kind: 'command', argv: ['tool', HOSTILE], why: 'test'},
      ]),
    ]
    const text = planText(await viewSteps(reports, host), host, true)
    expect(text).not.toMatch(RAW_CONTROL)
    expect(text).not.toContain('\x1b')
    expect(text).toContain(`cannot plan: cannot read ${ESCAPED}\napt said: ${ESCAPED}`)
    expect(text).toContain(`# ${ESCAPED}`)
    expect(text).toContain(`create ${root}/etc/${ESCAPED}.cfg    # because ${ESCAPED}`)
    expect(text).toContain(`+x=${ESCAPED}`)
  })

  test('a --root target starts with a Target: line and shows file paths with the root', async () => {
    root = makeTree({'/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n'})
    const host = new Host(root)
    const reports = [pending('xenfs', [{kind: 'file', path: '/etc/fstab', before: 'UUID=1 / ext4 defaults 0 1\n', after: 'UUID=1 / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n', why: 'mount xenfs'}])]
    const text = planText(await viewSteps(reports, host), host, true)
    expect(text.split('\n')[0]).toBe(`Target: ${root} (a root file system, not this machine)`)
    expect(text).toContain(`    modify ${root}/etc/fstab    # mount xenfs`)
    expect(text).toContain(`--- ${root}/etc/fstab\tcurrent`)
    expect(text).toContain(`+++ ${root}/etc/fstab\tplanned`)
    expect(text).toMatch(/Plan: 1 change in 1 step\. Nothing was changed \(dry run\)\.\n$/)
  })

  test('the live machine has no Target: line and shows paths as they are', async () => {
    const host = new Host('/')
    const reports = [pending('xenfs', [{kind: 'file', path: '/etc/xensetup-test-never-written.cfg', before: null, after: 'x\n', why: 'test'}])]
    const text = planText(await viewSteps(reports, host), host, false)
    expect(text).not.toMatch(/Target:/)
    expect(text).toMatch(/^\* xenfs: Step xenfs\n {4}create \/etc\/xensetup-test-never-written\.cfg {4}# test$/m)
  })

  test('a re-planned step shows only its own lines, escaped', async () => {
    root = makeTree()
    const host = new Host(root)
    const text = planText(await viewSteps([pending('xenfs', [{kind: 'command', argv: ['x'], why: HOSTILE}])], host), host, false, true)
    expect(text).not.toMatch(/Target:|Plan:|Nothing to do/)
    expect(text).not.toMatch(RAW_CONTROL)
  })
})

describe('resultText', () => {
  test('an interrupted step says Interrupted, names the step and the journal', async () => {
    root = makeTree()
    const host = new Host(root)
    const views = await viewSteps(
      [
        {id: 'packages', title: 'Packages', status: 'changed', changes: []},
        {id: 'boot', title: 'Boot', status: 'interrupted', error: 'interrupted before: write /etc/default/grub.d/zz-xensetup.cfg', changes: []},
      ],
      host,
    )
    const text = resultText(views, 'run-1', host, 'Done.')
    expect(text).toMatch(new RegExp(`Interrupted in boot, before its next change\\. What was done is in ${root}/var/lib/xensetup/journal\\.jsonl \\(run run-1\\); run again to finish\\.\\n$`))
    expect(text).not.toMatch(/Done\.|Stopped at/)
  })

  test('a failed step says Stopped at, and an error with control characters is escaped', async () => {
    root = makeTree()
    const host = new Host(root)
    const views = await viewSteps([failedReport({id: 'packages', title: 'Packages'}, new StepFailure('apt-get install exited 100', `E: ${HOSTILE}`))], host)
    const text = resultText(views, 'run-2', host, 'Done.')
    expect(text).toMatch(/Stopped at packages\./)
    expect(text).not.toMatch(RAW_CONTROL)
    expect(text).toContain(`E: ${ESCAPED}`)
  })
})

describe('passwords in shown diffs', () => {
  const config = (password: string) => `name = "win"\nvnc = 1\nvnclisten = "10.0.0.5"\nvncpasswd = "${password}"\nvfb = [ 'vnc=1,vnclisten=10.0.0.5,vncpasswd=${password}' ]\n`
  const diffOf = async (before: string | null, after: string | null) => {
    root = makeTree()
    const host = new Host(root)
    const [view] = await viewSteps([pending('config', [{kind: 'file', path: '/etc/xen/win.cfg', before, after, why: 'test', secret: true}])], host)
    return (view.changes[0] as {diff: string}).diff
  }

  test('a new config shows where its password is, never the password', async () => {
    const diff = await diffOf(null, config('s3cr3t'))
    expect(diff).not.toContain('s3cr3t')
    expect(diff).toContain('+vncpasswd = "<secret 1>"')
    expect(diff).toContain("+vfb = [ 'vnc=1,vnclisten=10.0.0.5,vncpasswd=<secret 1>' ]")
  })

  test('a changed password is a changed line; a removed config does not show its password either', async () => {
    const changed = await diffOf(config('old1'), config('new2'))
    expect(changed).not.toMatch(/old1|new2/)
    expect(changed).toMatch(/^-vncpasswd = "<secret 1>"$[\s\S]*^\+vncpasswd = "<secret 2>"$/m)
    const removed = await diffOf(config('old1'), null)
    expect(removed).not.toContain('old1')
    expect(removed).toContain('-vncpasswd = "<secret 1>"')
  })

  test('the same password on both sides is no change', async () => {
    const diff = await diffOf(config('same'), config('same').replace('name = "win"', 'name = "win2"'))
    expect(diff).not.toContain('same')
    expect(diff).not.toMatch(/^[-+]vncpasswd/m)
  })
})
