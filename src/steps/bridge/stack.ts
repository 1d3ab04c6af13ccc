import type {FileChange} from '../../engine/change.js'
import {StepFailure} from '../../engine/step.js'
import type {Host} from '../../host/host.js'

/** The bridge to build: `uplink` becomes its only port and lends it its MAC. */
export interface BridgeSpec {
  bridge: string
  uplink: string
  /**
   * The uplink's MAC from sysfs, lower case. Null under --root: the target is not running, so only its
   * own configuration can tell (see bridgeMac).
   */
  mac: string | null
}

/** What one network stack needs written for the bridge, and how the bridge will get its address. */
export interface StackConfig {
  changes: FileChange[]
  /** For the step's state line, e.g. "dhcp" or "static 192.0.2.10/24". */
  addressing: string
}

/** Plans the configuration files of one network stack; reads the host, never changes it. `offline`: under --root. */
export type StackPlanner = (host: Host, spec: BridgeSpec, offline: boolean) => Promise<StackConfig>

/** A MAC as the stacks write it (upper case, or NetworkManager's old "82;84;0;18;52;86" bytes) in sysfs's form. */
export function normalizeMac(written: string): string {
  const value = written.trim()
  if (!value.includes(';')) return value.toLowerCase()
  return value
    .split(';')
    .filter(Boolean)
    .map((byte) => Number(byte).toString(16).padStart(2, '0'))
    .join(':')
}

export function sameMac(written: string, mac: string | null): boolean {
  return mac !== null && normalizeMac(written) === mac.toLowerCase()
}

/**
 * The MAC the bridge must carry: the running uplink's, else (under --root) the one the uplink's own
 * configuration matches it by. Without either the bridge would get a generated MAC, and with it a new
 * DHCP lease or a hoster's MAC filter dropping it, so the step stops.
 */
export function bridgeMac(spec: BridgeSpec, configured: string | undefined, where: string): string {
  const mac = spec.mac ?? (configured ? normalizeMac(configured) : null)
  if (mac) return mac
  throw new StepFailure(`${spec.uplink}'s MAC is unknown: the target is not running and ${where} does not name it; run init on the target machine itself, or match ${spec.uplink} by MAC in ${where}`)
}
