import {afterAll, beforeAll, describe, expect, test} from '@jest/globals'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {REPO, releaseExecutable} from '../lib/built-cli.js'
import {asRoot} from './lib/debian-image.js'
import {differences, etcBootState} from './lib/root-state.js'

// Needs root (debootstrapped roots, apt and chroots inside them, a loop device) and Debian's ansible
// package, which CI installs.
const whenRoot = asRoot ? describe : describe.skip
const MINUTES = 60_000
const PLAYBOOKS = path.join(REPO, 'test/ansible')
const DEBIAN_ROOT = path.join(REPO, 'test/lib/debian-root.sh')
/** The fleet: three roots converged together, and a spare for the check run and the refused disk. */
const FLEET = ['dom0-a', 'dom0-b', 'dom0-c']
const SPARE = 'dom0-spare'

interface TaskResult {
  changed?: boolean
  failed?: boolean
  skipped?: boolean
  msg?: string
  rc?: number
  diff?: Array<{prepared?: string}>
  [key: string]: unknown
}
interface PlaybookRun {
  exitCode: number
  /** everything ansible-playbook printed */
  output: string
  stats: Record<string, {changed: number; failures: number; ok: number; skipped: number; unreachable: number}>
  /** task name -> host -> result */
  tasks: Record<string, Record<string, TaskResult>>
}

whenRoot('the xensetup.dom0 Ansible collection against real Debian 13 roots (ansible-playbook, --root from the controller)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'xensetup-ansible-'))
  const collections = path.join(work, 'collections')
  const roots = Object.fromEntries([...FLEET, SPARE].map((host) => [host, path.join(work, host)]))
  let loop = ''

  const env = () => ({ANSIBLE_CONFIG: path.join(PLAYBOOKS, 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH: collections, ANSIBLE_NOCOLOR: '1'})
  /** ansible-playbook with the json callback, parsed: a run that printed no document fails with its output. */
  const playbook = async (book: string, hosts: string[], ...extra: string[]): Promise<PlaybookRun> => {
    const out = await execa('ansible-playbook', ['-i', path.join(work, 'inventory.ini'), '--limit', hosts.join(','), ...extra, path.join(PLAYBOOKS, book)], {env: env(), reject: false})
    let doc: {stats: PlaybookRun['stats']; plays: Array<{tasks: Array<{task: {name: string}; hosts: Record<string, TaskResult>}>}>}
    try {
      doc = JSON.parse(out.stdout)
    } catch {
      throw new Error(`ansible-playbook ${book} printed no JSON (exit ${out.exitCode}): ${out.stdout.slice(-2000)} ${out.stderr.slice(-2000)}`)
    }
    const tasks: PlaybookRun['tasks'] = {}
    for (const play of doc.plays) {
      for (const task of play.tasks) {
        const name = task.task.name.replace(/^[\w.]+ : /, '') // a role's tasks are named "ROLE : NAME"
        tasks[name] = {...tasks[name], ...task.hosts}
      }
    }
    return {exitCode: out.exitCode ?? -1, output: `${out.stdout}\n${out.stderr}`, stats: doc.stats, tasks}
  }
  /** Every path under the root with its type, size, mode and mtime: what a check run must leave alone. */
  const listing = (root: string) => execFileSync('find', [root, '-xdev', '-printf', '%P %y %s %m %T@\n'], {encoding: 'utf8', maxBuffer: 256 << 20}).split('\n').sort()
  const stagedCopies = () => readdirSync(tmpdir()).filter((name) => name.endsWith('.xensetup'))

  beforeAll(async () => {
    execFileSync('ansible-galaxy', ['collection', 'build', path.join(REPO, 'ansible'), '--output-path', work], {stdio: 'pipe'})
    execFileSync('ansible-galaxy', ['collection', 'install', path.join(work, 'xensetup-dom0-0.1.0.tar.gz'), '-p', collections], {stdio: 'pipe', env: {...process.env, ...env()}})
    await Promise.all(Object.values(roots).map((root) => execa('bash', [DEBIAN_ROOT, 'trixie', root])))
    for (const root of Object.values(roots)) {
      mkdirSync(path.join(root, 'srv/xen'), {recursive: true})
      writeFileSync(path.join(root, 'srv/xen/web.img'), '')
      execFileSync('truncate', ['-s', '1G', path.join(root, 'srv/xen/web.img')])
    }
    // A disk that holds a file system: init refuses it as the volume group's device.
    const ext4 = path.join(work, 'ext4.img')
    execFileSync('truncate', ['-s', '64M', ext4])
    execFileSync('mkfs.ext4', ['-q', ext4])
    loop = execFileSync('losetup', ['--show', '-f', ext4], {encoding: 'utf8'}).trim()
    const host = (name: string) => `${name} xensetup_root=${roots[name]}`
    writeFileSync(path.join(work, 'inventory.ini'), [
      '[dom0s]', ...FLEET.map(host), `${host(SPARE)}`,
      '[dom0s:vars]',
      'ansible_connection=local',
      `xensetup_executable_src=${releaseExecutable()}`,
      'xensetup_dom0_mem=1024M',
      'xensetup_uplink=ens3',
      '',
    ].join('\n'))
  }, 15 * MINUTES)

  afterAll(() => {
    if (loop) execFileSync('losetup', ['-d', loop])
    // Not into a mount a failed run may have left inside a root.
    execFileSync('rm', ['-rf', '--one-file-system', work])
  })

  test('ansible-doc renders each module and the role; init has an option for each of its flags', () => {
    const doc = (...argv: string[]) => execFileSync('ansible-doc', argv, {encoding: 'utf8', env: {...process.env, ...env()}})
    const options: Record<string, string[]> = {}
    for (const module of ['init', 'doctor', 'guest']) {
      expect(doc(`xensetup.dom0.${module}`)).toContain(`XENSETUP.DOM0.${module.toUpperCase()}`)
      options[module] = Object.keys(JSON.parse(doc('--json', `xensetup.dom0.${module}`))[`xensetup.dom0.${module}`].doc.options)
    }
    expect(doc('-t', 'role', 'xensetup.dom0.host')).toMatch(/xensetup_root[\s\S]*xensetup_doctor_fail_on/)
    // What init takes from the admin (the manifest's flags, less output and flow control) is an option.
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8'))
    const flags = Object.keys(manifest.commands.init.flags).filter((flag) => !['json', 'verbose', 'dry-run', 'out', 'yes'].includes(flag))
    expect(flags.map((flag) => flag.replaceAll('-', '_')).filter((flag) => !options.init.includes(flag))).toEqual([])
    expect(options.doctor).toEqual(expect.arrayContaining(['root', 'fail_on']))
    const guestFlags = Object.keys(manifest.commands['guest:create'].flags).filter((flag) => !['json', 'verbose', 'dry-run', 'out', 'yes', 'console'].includes(flag))
    expect(guestFlags.map((flag) => flag.replaceAll('-', '_')).filter((flag) => !options.guest.includes(flag))).toEqual([])
  })

  test('--check --diff on a fresh root: the plan as diffs, and nothing of the root changed', async () => {
    const before = listing(roots[SPARE])
    const run = await playbook('site.yml', [SPARE], '--check', '--diff')
    expect(run.stats[SPARE]).toMatchObject({failures: 0, unreachable: 0})
    const init = run.tasks['Make the host a Xen dom0'][SPARE]
    expect(init).toMatchObject({changed: true, result: 'planned', mode: 'dry-run', boot_changed: true})
    const diffs = (init.diff ?? []).map((d) => d.prepared).join('')
    expect(diffs).toMatch(/^\+GRUB_CMDLINE_XEN_DEFAULT=.*dom0_mem=1024M,max:1024M/m)
    expect(diffs).toMatch(/^\+iface xenbr0 inet dhcp$/m)
    expect(diffs).toMatch(/^\$ apt-get install .*xen-system-amd64/m)
    expect(run.tasks['Reboot into Xen'][SPARE]).toMatchObject({skipped: true})
    expect(listing(roots[SPARE])).toEqual(before)
    expect(stagedCopies()).toEqual([])
  }, 5 * MINUTES)

  test('first run: all three roots converge at once; a host given a disk holding ext4 fails with the message and is left as it was', async () => {
    writeFileSync(path.join(work, 'inventory.ini'), readFileSync(path.join(work, 'inventory.ini'), 'utf8').replace(`${SPARE} `, `${SPARE} xensetup_vg_device=${loop} `))
    const spareBefore = etcBootState(roots[SPARE])
    const run = await playbook('site.yml', [...FLEET, SPARE])
    for (const host of FLEET) {
      expect(run.stats[host]).toMatchObject({failures: 0, unreachable: 0})
      expect(run.stats[host].changed).toBeGreaterThan(0)
      const init = run.tasks['Make the host a Xen dom0'][host]
      expect(init).toMatchObject({changed: true, result: 'ok', boot_changed: true})
      // services: Debian's xen-utils-common enables them when it is installed.
      expect(init.changed_steps).toEqual(['packages', 'boot', 'xenfs', 'bridge'])
      expect(init.run).toMatch(/^\d{8}T\d{6}Z-\d+$/)
      expect(readFileSync(path.join(roots[host], 'etc/network/interfaces'), 'utf8')).toMatch(/^iface xenbr0 inet dhcp$/m)
      // An image is booted by whoever uses it: no reboot (nor the question whether it runs Xen), and doctor ran on it.
      expect(run.tasks['Whether the host runs Xen already'][host]).toMatchObject({skipped: true})
      expect(run.tasks['Reboot into Xen'][host]).toMatchObject({skipped: true})
      expect(run.tasks['The host came back as a Xen dom0'][host]).toMatchObject({skipped: true})
      const doctor = run.tasks['Check the dom0 with doctor'][host] as TaskResult & {by_id: Record<string, {status: string}>; summary: {fail: number}}
      expect(doctor).toMatchObject({changed: false, summary: {fail: 0}})
      expect(doctor.by_id['boot.xen_entry'].status).toBe('pass')
      expect(doctor.by_id['xen.installed'].status).toBe('pass')
    }
    expect(run.stats[SPARE]).toMatchObject({failures: 1})
    const refused = run.tasks['Make the host a Xen dom0'][SPARE]
    expect(refused).toMatchObject({failed: true, changed: false, rc: 4, result: 'failed'})
    expect(refused.msg).toMatch(new RegExp(`^lvm: --vg-device ${loop} is not blank: it carries ext4 .*--force-wipe`))
    expect(differences(spareBefore, etcBootState(roots[SPARE]))).toEqual([])
    expect(run.exitCode).toBe(2)
  }, 15 * MINUTES)

  test('second run: changed=0 on all three', async () => {
    const run = await playbook('site.yml', FLEET)
    expect(run.exitCode).toBe(0)
    for (const host of FLEET) expect(run.stats[host]).toMatchObject({changed: 0, failures: 0, unreachable: 0})
    expect(run.tasks['Make the host a Xen dom0'][FLEET[0]]).toMatchObject({changed: false, result: 'ok', changed_steps: []})
  }, 5 * MINUTES)

  test('guest module: created once, a check run of its removal leaves it, removed; VNC open to the network without a password and a name starting with "-" are refused', async () => {
    const [host] = FLEET
    const config = path.join(roots[host], 'etc/xen/web.cfg')
    const guest = async (...extra: string[]) => (await playbook('guest.yml', [host], ...extra)).tasks['Guest web'][host]
    expect(await guest('--diff')).toMatchObject({changed: true, changed_steps: ['config'], guest: {name: 'web', type: 'pv', memoryMiB: 512}})
    expect(readFileSync(config, 'utf8')).toMatch(/^memory = 512$/m)
    expect(await guest()).toMatchObject({changed: false})
    expect(await guest('--check', '-e', 'guest_state=absent')).toMatchObject({changed: true, mode: 'dry-run'})
    expect(existsSync(config)).toBe(true)
    expect(await guest('-e', 'guest_state=absent')).toMatchObject({changed: true, changed_steps: ['config']})
    expect(existsSync(config)).toBe(false)
    const open = await guest('-e', 'guest_vnc_listen=0.0.0.0')
    expect(open).toMatchObject({failed: true, rc: 4})
    expect(open.msg).toMatch(/0\.0\.0\.0.*password.*\(hint: /)
    expect(existsSync(config)).toBe(false)
    // A name xensetup would take for a flag reaches it as a name, and its own rule refuses it.
    const dashed = await guest('-e', 'guest_name=-web')
    expect(dashed).toMatchObject({failed: true, rc: 2})
    expect(dashed.msg).toMatch(/^guest name "-web" is not usable \(hint: use letters, digits/)
  }, 5 * MINUTES)

  test('a VNC password reaches the config (readable by root only), never what Ansible shows, as the guest is created or removed', async () => {
    const [, host] = FLEET
    const config = path.join(roots[host], 'etc/xen/web.cfg')
    const secret = 'Pw8x2Qz'
    const created = await playbook('guest.yml', [host], '--diff', '-e', 'guest_vnc_listen=0.0.0.0', '-e', `guest_vnc_password=${secret}`)
    expect(created.tasks['Guest web'][host]).toMatchObject({changed: true})
    // A PV guest's VNC is its framebuffer: vfb = [ 'vnc=1,vnclisten=...,vncpasswd=...' ]
    expect(readFileSync(config, 'utf8')).toContain(`,vncpasswd=${secret}' ]`)
    expect(statSync(config).mode & 0o777).toBe(0o600)
    expect(created.output).toContain(",vncpasswd=<secret 1>' ]")
    const removed = await playbook('guest.yml', [host], '--diff', '-e', 'guest_state=absent')
    expect(removed.tasks['Guest web'][host]).toMatchObject({changed: true})
    expect(removed.output).toMatch(/-vfb = .*,vncpasswd=<secret 1>' ]/)
    for (const run of [created, removed]) expect(run.output).not.toContain(secret)
    // Ansible's no_log hides the option's value in what it prints; xensetup's own output and its journal
    // (which `xensetup history` shows) must not need that.
    expect(readFileSync(path.join(roots[host], 'var/lib/xensetup/journal.jsonl'), 'utf8')).not.toContain(secret)
    const direct = execFileSync(releaseExecutable(), ['guest', 'create', 'web', '--root', roots[host], '--yes', '--json', '--dry-run', '--type', 'pv', '--disk-path', '/srv/xen/web.img', '--vnc', '--vnc-listen', '0.0.0.0', '--vnc-password', secret], {encoding: 'utf8'})
    expect(JSON.parse(direct).guest.vnc).toEqual({listen: '0.0.0.0', password: '<secret>'})
    expect(direct).not.toContain(secret)
  }, 5 * MINUTES)
})
