import {afterEach, describe, expect, test} from '@jest/globals'
import {readFileSync, rmSync, existsSync} from 'node:fs'
import path from 'node:path'
import Uninstall from '../../../src/commands/uninstall.js'
import {Engine} from '../../../src/engine/engine.js'
import {Journal} from '../../../src/engine/journal.js'
import type {Step} from '../../../src/engine/step.js'
import {Host} from '../../../src/host/host.js'
import {bootStep} from '../../../src/steps/boot.js'
import {bridgeStep} from '../../../src/steps/bridge.js'
import {planNetworkd} from '../../../src/steps/bridge/networkd.js'
import {planNetworkManager} from '../../../src/steps/bridge/networkmanager.js'
import type {InitContext, InitOptions} from '../../../src/steps/context.js'
import {xenfsStep} from '../../../src/steps/xenfs.js'
import {runCommand} from '../../lib/cli.js'
import {FakeRunner} from '../../lib/fake-runner.js'
import {contextFor, GRUB_INSTALLED} from '../../lib/init-context.js'
import {makeTree, removeTree, snapshot} from '../../lib/tree.js'

/** A Debian 12 machine with Xen installed (its image in /boot, xl.conf as shipped) and its uplink on DHCP. */
const DEBIAN = {
  ...GRUB_INSTALLED,
  '/etc/os-release': 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
  '/proc/meminfo': 'MemTotal:        8167500 kB\n',
  '/proc/cpuinfo': 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx ept\n\n',
  '/boot/xen-4.17-amd64.gz': '',
  '/etc/xen/xl.conf': '# xl.conf\n#autoballoon="auto"\n#vif.default.bridge="xenbr0"\n',
  '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n',
  '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n',
  '/etc/network/interfaces': 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug ens3\niface ens3 inet dhcp\n',
}
const CONFIGURED = ['/etc/default/grub.d/00-xensetup.cfg', '/etc/default/grub.d/zz-xensetup.cfg']

let root: string
afterEach(() => removeTree(root))

const read = (file: string) => readFileSync(path.join(root, file), 'utf8')
const exists = (file: string) => existsSync(path.join(root, file))

/** The boot step's files only: grub-mkconfig and grub-set-default cannot run on a fixture tree. */
const bootFiles: Step<InitContext> = {
  ...bootStep,
  async plan(context) {
    const plan = await bootStep.plan(context)
    return 'changes' in plan ? {changes: plan.changes.filter((change) => change.kind === 'file')} : plan
  },
}

/** An init run as the journal records it: run start, each change with its backup, run end. */
async function init(steps: Step<InitContext>[], options: Partial<InitOptions> = {}): Promise<void> {
  const host = new Host(root)
  const journal = new Journal(host, undefined, {command: 'init', args: [], version: 'test', root, pid: process.pid})
  const engine = new Engine<InitContext>(host, new FakeRunner(), journal, () => contextFor(root, {uplink: 'ens3', ...options}))
  for (const step of steps) await engine.applyStep(step)
  journal.record({kind: 'run-end', result: 'ok', durationMs: 0})
}

interface Document {
  result: string
  run: string | null
  unrestored: string[]
  notices: string[]
  steps: Array<{id: string; status: string; state: string | null; changes: Array<{path?: string; argv?: string[]}>}>
}

async function uninstall(...extra: string[]): Promise<{doc: Document; exitCode: number}> {
  const out = await runCommand(Uninstall, ['--root', root, '--yes', '--json', ...extra])
  const doc = JSON.parse(out.stdout)
  if (doc.error) throw new Error(`uninstall failed: ${JSON.stringify(doc.error)}`)
  return {doc, exitCode: out.exitCode}
}

/** Every file under etc/ with its content: what "as before" means here. */
function etcContents(): Record<string, string> {
  return Object.fromEntries(Object.keys(snapshot(path.join(root, 'etc'))).filter((name) => !name.endsWith('/')).map((name) => [name, read(`etc/${name}`)]))
}

const pending = (doc: Document) => doc.steps.filter((step) => step.status === 'pending' || step.status === 'changed').map((step) => step.id)

describe('uninstall after init, with the journal and its backups', () => {
  test('every file comes back byte for byte; a dry run writes nothing; a second run has nothing to do', async () => {
    root = makeTree(DEBIAN)
    const before = etcContents()
    await init([bootFiles, xenfsStep, bridgeStep])
    expect(read('etc/network/interfaces')).toMatch(/iface xenbr0 inet dhcp/)
    expect(read('etc/fstab')).toContain('# BEGIN xensetup xenfs')
    expect(read('etc/xen/xl.conf')).toMatch(/^autoballoon="off"$/m)
    CONFIGURED.forEach((file) => expect(exists(file)).toBe(true))

    const configured = snapshot(root)
    const dry = await uninstall('--dry-run')
    expect(dry.doc.result).toBe('planned')
    expect(pending(dry.doc)).toEqual(['boot-settings', 'xenfs', 'network'])
    expect(snapshot(root)).toEqual(configured)

    const {doc, exitCode} = await uninstall()
    expect(exitCode).toBe(0)
    expect(doc.result).toBe('ok')
    expect(doc.unrestored).toEqual([])
    expect(etcContents()).toEqual(before)
    expect(read('etc/network/interfaces')).toBe(DEBIAN['/etc/network/interfaces'])

    const again = await uninstall()
    expect(again.doc.run).toBeNull()
    expect(pending(again.doc)).toEqual([])
  })

  test('a file changed since init keeps the change: xensetup\'s block is edited out and the plan says why; --force puts the original back', async () => {
    root = makeTree(DEBIAN)
    await init([xenfsStep])
    const edited = `${read('etc/fstab')}tmpfs /tmp tmpfs defaults 0 0\n`
    new Host(root).write('/etc/fstab', edited, 'utf8', {mode: 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0})
    const dry = await uninstall('--dry-run')
    expect(dry.doc.notices).toEqual([expect.stringMatching(/^\/etc\/fstab changed since xensetup wrote it, .*--force/)])
    expect(dry.doc.steps.find((s) => s.id === 'xenfs')?.state).toMatch(/not restored: \/etc\/fstab changed since/)
    const {doc} = await uninstall()
    expect(read('etc/fstab')).toBe('UUID=1 / ext4 defaults 0 1\ntmpfs /tmp tmpfs defaults 0 0\n')
    expect(doc.unrestored).toEqual([expect.stringMatching(/^\/etc\/fstab changed since/)])
  })

  test('--force restores the original over later changes', async () => {
    root = makeTree(DEBIAN)
    await init([xenfsStep])
    new Host(root).write('/etc/fstab', `${read('etc/fstab')}# later\n`, 'utf8', {mode: 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0})
    await uninstall('--force')
    expect(read('etc/fstab')).toBe(DEBIAN['/etc/fstab'])
  })
})

describe('uninstall after init whose backups were deleted', () => {
  test('xensetup\'s blocks, drop-ins and stanzas go by their markers and names; the uplink gets DHCP back; what could not be restored is said', async () => {
    root = makeTree(DEBIAN)
    await init([bootFiles, xenfsStep, bridgeStep])
    rmSync(path.join(root, 'var/lib/xensetup/backups'), {recursive: true})
    const dry = await uninstall('--dry-run')
    expect(dry.doc.notices).toEqual(
      expect.arrayContaining([expect.stringMatching(/^the backup of \/etc\/network\/interfaces \(.*\) is gone/), expect.stringMatching(/^the backup of \/etc\/fstab/)]),
    )
    const {doc} = await uninstall()
    expect(doc.result).toBe('ok')
    CONFIGURED.forEach((file) => expect(exists(file)).toBe(false))
    expect(read('etc/fstab')).toBe(DEBIAN['/etc/fstab'])
    expect(read('etc/xen/xl.conf')).toBe(DEBIAN['/etc/xen/xl.conf'])
    // allow-hotplug cannot be known without the original: the uplink comes up where xenbr0 did.
    expect(read('etc/network/interfaces')).toBe('source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nauto ens3\niface ens3 inet dhcp\n')
    expect(doc.unrestored).toEqual(expect.arrayContaining([expect.stringMatching(/interfaces/), expect.stringMatching(/fstab/), expect.stringMatching(/xl\.conf/)]))
    expect(doc.steps.find((s) => s.id === 'network')?.state).toMatch(/not restored: the backup of \/etc\/network\/interfaces/)

    const again = await uninstall()
    expect(pending(again.doc)).toEqual([])
  })
})

describe('uninstall without any journal (an older xensetup)', () => {
  test('a static uplink comes back from xensetup\'s xenbr0 stanza, with its MTU; the blocks and drop-ins go', async () => {
    root = makeTree({
      ...DEBIAN,
      '/etc/network/interfaces': [
        'auto lo',
        'iface lo inet loopback',
        '',
        'iface eno1 inet manual',
        '    mtu 9000',
        '',
        'auto xenbr0',
        'iface xenbr0 inet static',
        '    address 192.0.2.10/24',
        '    gateway 192.0.2.1',
        '    bridge_ports eno1',
        '    bridge_hw 52:54:00:12:34:56',
        '    bridge_stp off',
        '    bridge_fd 0',
        '    bridge_maxwait 0',
        '',
        'iface xenbr0 inet6 auto',
        '',
      ].join('\n'),
      '/etc/fstab': 'UUID=1 / ext4 defaults 0 1\n# BEGIN xensetup xenfs\nxenfs /proc/xen xenfs defaults 0 0\n# END xensetup xenfs\n',
      '/etc/default/grub.d/00-xensetup.cfg': '# Written by xensetup (init step "boot").\nXEN_OVERRIDE_GRUB_DEFAULT=0\n',
      '/etc/default/grub.d/zz-xensetup.cfg': '# Written by xensetup (init step "boot").\nGRUB_DEFAULT=saved\n',
    })
    const {doc} = await uninstall()
    expect(doc.result).toBe('ok')
    expect(read('etc/network/interfaces')).toBe(
      'auto lo\niface lo inet loopback\n\nauto eno1\niface eno1 inet static\n    mtu 9000\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n\niface eno1 inet6 auto\n',
    )
    expect(read('etc/fstab')).toBe('UUID=1 / ext4 defaults 0 1\n')
    CONFIGURED.forEach((file) => expect(exists(file)).toBe(false))
    // No journal says xensetup set autoballoon, and none of it was touched here.
    expect(read('etc/xen/xl.conf')).toBe(DEBIAN['/etc/xen/xl.conf'])
    expect(pending((await uninstall()).doc)).toEqual([])
  })

  test('an xenbr0 stanza that is not xensetup\'s (no bridge_maxwait etc.) is left alone', async () => {
    const own = 'auto xenbr0\niface xenbr0 inet dhcp\n    bridge_ports eth0\n'
    root = makeTree({...DEBIAN, '/etc/network/interfaces': own})
    await uninstall()
    expect(read('etc/network/interfaces')).toBe(own)
  })
})

describe('uninstall of the other network stacks', () => {
  test('netplan: the uplink\'s definition goes back into the file init took it from; xensetup\'s file and cloud-init\'s switch go', async () => {
    const cloudInit = 'network:\n    version: 2\n    ethernets:\n        ens3:\n            match:\n                macaddress: 52:54:00:aa:bb:cc\n            set-name: ens3\n            dhcp4: true\n'
    root = makeTree({...DEBIAN, '/etc/netplan/50-cloud-init.yaml': cloudInit, '/etc/cloud/cloud.cfg': ''})
    await init([bridgeStep])
    expect(exists('etc/netplan/60-xensetup-xenbr0.yaml')).toBe(true)
    expect(exists('etc/cloud/cloud.cfg.d/99-xensetup-network-config.cfg')).toBe(true)
    rmSync(path.join(root, 'var/lib/xensetup/backups'), {recursive: true})
    await uninstall()
    expect(exists('etc/netplan/60-xensetup-xenbr0.yaml')).toBe(false)
    expect(exists('etc/cloud/cloud.cfg.d/99-xensetup-network-config.cfg')).toBe(false)
    const {parse} = await import('yaml')
    expect(parse(read('etc/netplan/50-cloud-init.yaml'))).toEqual(parse(cloudInit))
    expect(pending((await uninstall()).doc)).toEqual([])
  })

  const spec = {bridge: 'xenbr0', uplink: 'ens3', mac: '52:54:00:aa:bb:cc'}
  const stackStep = (planner: typeof planNetworkd): Step<InitContext> => ({
    id: 'bridge',
    title: 'bridge',
    plan: async ({host}) => ({changes: (await planner(host, spec)).changes}),
  })

  test('systemd-networkd: xensetup\'s three files go, the uplink\'s own .network was never touched', async () => {
    const own = '[Match]\nName=ens3\n\n[Network]\nDHCP=yes\n'
    root = makeTree({...DEBIAN, '/etc/systemd/network/20-ens3.network': own})
    await init([stackStep(planNetworkd)])
    expect(new Host(root).list('/etc/systemd/network')).toHaveLength(4)
    rmSync(path.join(root, 'var/lib/xensetup'), {recursive: true})
    await uninstall()
    expect(new Host(root).list('/etc/systemd/network')).toEqual(['20-ens3.network'])
    expect(read('etc/systemd/network/20-ens3.network')).toBe(own)
  })

  test('NetworkManager: the bridge and port profiles go, the uplink\'s own profile autoconnects again', async () => {
    const own = '[connection]\nid=Wired\ntype=ethernet\ninterface-name=ens3\n\n[ipv4]\nmethod=auto\n'
    const dir = '/etc/NetworkManager/system-connections'
    root = makeTree({...DEBIAN, [`${dir}/Wired.nmconnection`]: own})
    await init([stackStep(planNetworkManager)])
    expect(read(`${dir}/Wired.nmconnection`)).toContain('autoconnect=false')
    rmSync(path.join(root, 'var/lib/xensetup'), {recursive: true})
    await uninstall()
    expect(new Host(root).list(dir)).toEqual(['Wired.nmconnection'])
    expect(read(`${dir}/Wired.nmconnection`)).toBe(own)
  })
})
