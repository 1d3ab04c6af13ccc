import {afterEach, describe, expect, test} from '@jest/globals'
import type {CommandChange, FileChange} from '../../../src/engine/change.js'
import type {StepPlan} from '../../../src/engine/step.js'
import {profileFor} from '../../../src/distros/profile.js'
import {gatherFacts} from '../../../src/facts/index.js'
import {Host} from '../../../src/host/host.js'
import {readRuns} from '../../../src/journal/runs.js'
import {bootSettingsStep} from '../../../src/undo/uninstall-boot.js'
import type {UninstallContext} from '../../../src/undo/uninstall-context.js'
import {initHistory} from '../../../src/undo/uninstall-history.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {machine} from '../../lib/init-context.js'
import {makeTree, removeTree} from '../../lib/tree.js'

const ALPINE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\n'

let root = ''
afterEach(() => {
  if (root) removeTree(root)
  root = ''
})

function context(): UninstallContext {
  const host = new Host(root)
  const facts = gatherFacts(host)
  const profile = profileFor(facts.distro, facts.init)
  if (!profile) throw new Error('no profile')
  return {host, machine: host, probe: new FakeRunner(), facts, profile, history: initHistory(readRuns(host)), options: {force: false, removeVg: false, purgePackages: false}, lvmSystemDir: '/etc/lvm', unrestored: new Map()}
}

const plan = async (): Promise<StepPlan> => bootSettingsStep.plan(context())
const files = (p: StepPlan) => ('changes' in p ? p.changes.filter((c): c is FileChange => c.kind === 'file').map((c) => [c.path, c.after]) : [])
const commands = (p: StepPlan) => ('changes' in p ? p.changes.filter((c): c is CommandChange => c.kind === 'command').map((c) => c.argv) : [])

describe('uninstall on extlinux (Alpine): the settings block out, the menu generated again', () => {
  const settings = 'overwrite=1\ndefault=lts\nxen_opts=dom0_mem=384M\n'
  const block = '# BEGIN xensetup boot\nxen_opts="${xen_opts:+$xen_opts }dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4"\ndefault=xen-lts\n# END xensetup boot\n'
  const menu = (xenOpts: string, xenDefault: boolean) =>
    `DEFAULT menu.c32\nLABEL xen-lts\n${xenDefault ? '  MENU DEFAULT\n' : ''}  COM32 mboot.c32\n  APPEND xen.gz ${xenOpts} --- vmlinuz-lts root=UUID=1 quiet --- initramfs-lts\nLABEL lts\n${xenDefault ? '' : '  MENU DEFAULT\n'}  LINUX vmlinuz-lts\n  APPEND root=UUID=1 quiet\n`
  const base = {'/sbin/update-extlinux': '', '/boot/xen.gz': ''}

  test('with xensetup\'s block: the block goes and update-extlinux runs', async () => {
    root = makeTree(machine(ALPINE, {...base, '/etc/update-extlinux.conf': settings + block, '/boot/extlinux.conf': menu('dom0_mem=384M dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4', true)}))
    const result = await plan()
    expect(files(result)).toEqual([['/etc/update-extlinux.conf', settings]])
    expect(commands(result)).toEqual([['update-extlinux']])
  })

  test('the block already gone but update-extlinux never ran (an interrupted uninstall): it runs now', async () => {
    root = makeTree(machine(ALPINE, {...base, '/etc/update-extlinux.conf': settings, '/boot/extlinux.conf': menu('dom0_mem=384M dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4', true)}))
    const result = await plan()
    expect(files(result)).toEqual([])
    expect(commands(result)).toEqual([['update-extlinux']])
  })

  test('a menu as the settings make it: nothing to do', async () => {
    root = makeTree(machine(ALPINE, {...base, '/etc/update-extlinux.conf': settings, '/boot/extlinux.conf': menu('dom0_mem=384M', false)}))
    expect(commands(await plan())).toEqual([])
  })
})

test('uninstall on Fedora takes xensetup\'s UPDATEDEFAULT block out of /etc/sysconfig/kernel, the distro\'s own line stays', async () => {
  root = makeTree(machine(FEDORA, {'/etc/sysconfig/kernel': 'UPDATEDEFAULT=yes\nDEFAULTKERNEL=kernel-core\n# BEGIN xensetup boot\nUPDATEDEFAULT=no\n# END xensetup boot\n'}))
  expect(files(await plan())).toContainEqual(['/etc/sysconfig/kernel', 'UPDATEDEFAULT=yes\nDEFAULTKERNEL=kernel-core\n'])
})
