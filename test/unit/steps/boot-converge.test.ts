import {afterEach, expect, test} from '@jest/globals'
import {Engine} from '../../../src/engine/engine.js'
import {Journal} from '../../../src/engine/journal.js'
import {bootStep} from '../../../src/steps/boot.js'
import {Host} from '../../../src/host/host.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {contextFor, machine} from '../../lib/init-context.js'
import {makeTree, removeTree, writeTreeFile} from '../../lib/tree.js'

const UUID = '0d9e8a1c-5f1e-4c3b-9a63-2b7d6c1e4f10'
const DEBIAN = 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'

/** The shape of grub.cfg that Debian 12's 10_linux and 20_linux_xen write (trimmed to the entries). */
function grubCfg(xenArgs: string | null): string {
  const linux = `menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-${UUID}' {\n\tlinux\t/boot/vmlinuz-6.1.0-28-amd64 root=UUID=${UUID} ro quiet\n}\n`
  const xen =
    xenArgs === null
      ? ''
      : `menuentry 'Debian GNU/Linux, with Xen hypervisor' --class debian $menuentry_id_option 'xen-gnulinux-simple-${UUID}' {\n\tmultiboot2\t/boot/xen-4.17-amd64.gz placeholder  ${xenArgs} \${xen_rm_opts}\n\tmodule2\t/boot/vmlinuz-6.1.0-28-amd64 placeholder root=UUID=${UUID} ro quiet\n}\n`
  return `### BEGIN /etc/grub.d/00_header ###\nif [ -s $prefix/grubenv ]; then\n  load_env\nfi\nset default="\${saved_entry}"\n${linux}${xen}`
}

let root: string
afterEach(() => removeTree(root))

test('boot converges in rounds: grub-mkconfig reveals the Xen entry, then it becomes the saved default', async () => {
  root = makeTree(machine(DEBIAN, {'/boot/xen-4.17-amd64.gz': '', '/boot/grub/grub.cfg': grubCfg(null).replace('${saved_entry}', '0')}))
  const runner = new FakeRunner({
    'grub-mkconfig -o /boot/grub/grub.cfg': {effect: () => writeTreeFile(root, '/boot/grub/grub.cfg', grubCfg('dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4'))},
    [`grub-set-default xen-gnulinux-simple-${UUID}`]: {effect: () => writeTreeFile(root, '/boot/grub/grubenv', `# GRUB Environment Block\nsaved_entry=xen-gnulinux-simple-${UUID}\n`)},
  })
  const host = new Host(root)
  const engine = new Engine(host, runner, new Journal(host, 'run'), () => contextFor(root))
  const report = await engine.applyStep(bootStep)
  expect(runner.calls).toEqual([
    ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'],
    ['grub-set-default', `xen-gnulinux-simple-${UUID}`],
  ])
  expect(report).toMatchObject({status: 'changed', state: expect.stringContaining(`xen-gnulinux-simple-${UUID}`)})
  expect((await engine.planStep(bootStep)).status).toBe('unchanged')
})

test('a grub.cfg generated with other dom0 options is regenerated; --trial-boot uses grub-reboot', async () => {
  root = makeTree(machine(DEBIAN, {'/boot/xen-4.17-amd64.gz': '', '/boot/grub/grub.cfg': grubCfg('dom0_mem=1024M,max:1024M dom0_max_vcpus=1-4')}))
  const plan = await bootStep.plan(contextFor(root, {trialBoot: true}))
  const argvs = 'changes' in plan ? plan.changes.flatMap((c) => (c.kind === 'command' ? [c.argv] : [])) : []
  expect(argvs).toEqual([
    ['grub-mkconfig', '-o', '/boot/grub/grub.cfg'],
    ['grub-reboot', `xen-gnulinux-simple-${UUID}`],
  ])
})

test('a step that cannot get a Xen entry (kernel without CONFIG_XEN_DOM0) says why', async () => {
  root = makeTree(
    machine(DEBIAN, {
      '/boot/xen-4.17-amd64.gz': '',
      '/proc/sys/kernel/osrelease': '6.1.0-28-cloud-amd64\n',
      '/boot/config-6.1.0-28-cloud-amd64': 'CONFIG_XEN=y\n# CONFIG_XEN_DOM0 is not set\n',
      '/boot/grub/grub.cfg': grubCfg(null),
    }),
  )
  await expect(bootStep.plan(contextFor(root))).rejects.toThrow(/not built with CONFIG_XEN_DOM0=y/)
})

test('an admin\'s own dom0_mem earlier on the line does not matter: Xen takes the last one, which is ours', async () => {
  const xenArgs = 'dom0_mem=2G,max:2G dom0_mem=2048M,max:2048M dom0_max_vcpus=1-4'
  root = makeTree(
    machine(DEBIAN, {
      '/boot/xen-4.17-amd64.gz': '',
      '/boot/grub/grub.cfg': grubCfg(xenArgs),
      '/boot/grub/grubenv': `saved_entry=xen-gnulinux-simple-${UUID}\n`,
    }),
  )
  // Our drop-ins in place (as a first run leaves them): the entry already carries our size last.
  const first = await bootStep.plan(contextFor(root))
  for (const change of 'changes' in first ? first.changes : []) if (change.kind === 'file' && change.after !== null) writeTreeFile(root, change.path, change.after)
  expect(await bootStep.plan(contextFor(root))).toMatchObject({changes: []})
})
