import {literal} from '../formats/regexp.js'
import type {HostFiles} from './files.js'
import type {InitSystem} from './types.js'

/**
 * The init system from files alone: a running systemd creates /run/systemd/system (sd_booted()); an
 * installed-but-not-running tree is recognised by /sbin/init pointing at systemd.
 */
export function detectInit(files: HostFiles): InitSystem {
  if (files.isDirectory('/run/systemd/system')) return 'systemd'
  if (files.readlink('/sbin/init')?.includes('systemd')) return 'systemd'
  if (files.present('/sbin/openrc') || files.present('/usr/sbin/openrc') || files.isDirectory('/run/openrc')) return 'openrc'
  if (files.present('/etc/inittab')) return 'sysv'
  return 'unknown'
}

const systemdUnitDirs = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system']
const sysvRunlevelDirs = ['/etc/rc2.d', '/etc/rc3.d', '/etc/rc4.d', '/etc/rc5.d']

/** Installed/enabled state of services, read the way each init system records it on disk. */
export class ServiceFiles {
  private readonly cache = new Map<string, string[]>()

  constructor(
    private readonly files: HostFiles,
    readonly init: InitSystem,
  ) {}

  /** A unit file (systemd), or an init script (any init: systemd's sysv-generator wraps them). */
  isInstalled(service: string): boolean {
    if (this.init === 'systemd' && this.hasUnitFile(unitName(service))) return true
    return this.files.present(`/etc/init.d/${baseName(service)}`)
  }

  isEnabled(service: string): boolean {
    switch (this.init) {
      case 'systemd':
        return this.systemdEnabled(service)
      case 'openrc':
        return this.listed('/etc/runlevels').some((level) => this.listed(`/etc/runlevels/${level}`).includes(baseName(service)))
      case 'sysv':
        return this.sysvEnabled(baseName(service))
      default:
        return false
    }
  }

  private systemdEnabled(service: string): boolean {
    const unit = unitName(service)
    if (this.files.readlink(`/etc/systemd/system/${unit}`) === '/dev/null') return false
    const wantedBy = this.listed('/etc/systemd/system').filter((dir) => dir.endsWith('.wants') || dir.endsWith('.requires'))
    if (wantedBy.some((dir) => this.listed(`/etc/systemd/system/${dir}`).includes(unit))) return true
    // No native unit: systemd-sysv-generator starts the init script when rc?.d has an S link (Debian 12's xen).
    return !this.hasUnitFile(unit) && this.sysvEnabled(baseName(service))
  }

  private hasUnitFile(unit: string): boolean {
    return systemdUnitDirs.some((dir) => this.files.present(`${dir}/${unit}`))
  }

  private sysvEnabled(script: string): boolean {
    const startLink = new RegExp(`^S\\d\\d${literal(script)}$`)
    return sysvRunlevelDirs.some((dir) => this.listed(dir).some((name) => startLink.test(name)))
  }

  private listed(dir: string): string[] {
    let names = this.cache.get(dir)
    if (!names) {
      names = this.files.list(dir)
      this.cache.set(dir, names)
    }
    return names
  }
}

/** `xenstored` -> `xenstored.service`; names with a unit suffix (`proc-xen.mount`) stay as they are. */
function unitName(service: string): string {
  return /\.(service|mount|socket|target|timer|path)$/.test(service) ? service : `${service}.service`
}

function baseName(service: string): string {
  return service.replace(/\.service$/, '')
}
