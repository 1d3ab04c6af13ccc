import type {CommandChange} from '../engine/change.js'
import type {Facts} from '../facts/types.js'

/**
 * The commands that stop services starting at boot, for those of `names` that are enabled now (the
 * facts read the init system's own links); none when all are off already.
 */
export function disableServices(facts: Facts, manager: 'systemd' | 'openrc', names: string[], why: string): CommandChange[] {
  const enabled = names.filter((name) => facts.xen.services[name] === true)
  if (enabled.length === 0) return []
  if (manager === 'systemd') return [{kind: 'command', argv: ['systemctl', 'disable', ...enabled], why}]
  return enabled.map((name) => ({kind: 'command', argv: ['rc-update', 'del', name, 'default'], why}))
}

/** The services a run's commands enabled: `systemctl enable A B`, `rc-update add A default`. */
export function enabledBy(argv: string[]): string[] {
  if (argv[0] === 'systemctl' && argv[1] === 'enable') return argv.slice(2).filter((arg) => !arg.startsWith('-'))
  if (argv[0] === 'rc-update' && argv[1] === 'add' && argv[2] !== undefined) return [argv[2]]
  return []
}
