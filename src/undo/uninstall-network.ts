import YAML from 'yaml'
import type {FileChange} from '../engine/change.js'
import type {Step} from '../engine/step.js'
import type {Host} from '../host/host.js'
import {iniValue, parseIni} from '../formats/ini.js'
import {NetplanError, parseNetplan} from '../formats/netplan.js'
import {StepFailure} from '../engine/step.js'
import type {UninstallContext} from './uninstall-context.js'
import {stateOf, writtenByXensetup} from './uninstall-files.js'
import {ifupdownUndo} from './uninstall-ifupdown.js'
import {restoration} from './uninstall-restore.js'
import {BRIDGE} from '../steps/bridge.js'
import {BRIDGE_KEYS, CLOUD_INIT_NETPLAN, CLOUD_INIT_NETWORK_OFF, NETPLAN_DIR, netplanFile} from '../steps/bridge/netplan.js'
import {fileNames, OURS} from '../steps/bridge/networkd.js'
import {NM_DIR} from '../steps/bridge/networkmanager.js'

const OUR_NETPLAN = netplanFile({bridge: BRIDGE})
const NETWORKD_FILES = Object.values(fileNames({bridge: BRIDGE})).map((name) => `${OURS}/${name}`)

/**
 * The uplink's own network configuration back and xensetup's bridge gone, for whichever stack has it:
 * files from the journal's originals where it can, else by xensetup's file names and the shape of what
 * it wrote (ifupdown's xenbr0 stanzas, netplan's moved definition, NetworkManager's autoconnect=false).
 */
export const networkUndoStep: Step<UninstallContext> = {
  id: 'network',
  title: 'The uplink\'s own network configuration back, xenbr0 gone',
  plan(context) {
    const {host, history} = context
    const journaled = [...history.writtenBy].filter(([, step]) => step === 'bridge').map(([path]) => path)
    const restored = new Set<string>()
    const changes: FileChange[] = []
    for (const path of journaled) {
      const result = restoration(context, path)
      if (result && 'changes' in result) {
        restored.add(path)
        context.unrestored.delete(path)
        changes.push(...result.changes)
      } else if (result) context.unrestored.set(path, result.unrestorable)
    }
    const own = (path: string) => !restored.has(path) && writtenByXensetup(host.read(path) ?? '')
    const removals = [OUR_NETPLAN, CLOUD_INIT_NETWORK_OFF, ...NETWORKD_FILES, ...nmProfiles(host)].filter(own)
    changes.push(
      ...ifupdownUndo(host, restored),
      ...netplanDefinitionBack(context, restored),
      ...nmAutoconnectBack(context, restored, journaled),
      ...removals.map((path): FileChange => ({kind: 'file', path, before: host.read(path) ?? null, after: null, why: `xensetup's ${BRIDGE} configuration`})),
    )
    return {changes, state: stateOf(context, journaled)}
  },
}

function nmProfiles(host: Host): string[] {
  return host.list(NM_DIR).filter((name) => name === `${BRIDGE}.nmconnection` || name.startsWith(`${BRIDGE}-port-`)).map((name) => `${NM_DIR}/${name}`)
}

/**
 * netplan: the uplink's definition, which init moved into its own file, written back into the file it
 * came from (the journal names the file init took it out of; else cloud-init's, else a file of its own)
 * with its addresses from the bridge and without the dhcp4/dhcp6 false init gave it.
 */
function netplanDefinitionBack(context: UninstallContext, restored: Set<string>): FileChange[] {
  const {host, history} = context
  const text = host.read(OUR_NETPLAN)
  if (text === undefined || !writtenByXensetup(text)) return []
  const ours = readNetplan(OUR_NETPLAN, text)
  const bridge = ours.network.bridges?.[BRIDGE] ?? {}
  const [id] = Array.isArray(bridge.interfaces) ? (bridge.interfaces as string[]) : []
  const link = id === undefined ? undefined : ours.network.ethernets?.[id]
  if (id === undefined || link === undefined) return []
  const definition = {
    ...Object.fromEntries(Object.entries(link).filter(([key, value]) => !((key === 'dhcp4' || key === 'dhcp6') && value === false))),
    ...Object.fromEntries(Object.entries(bridge).filter(([key]) => !BRIDGE_KEYS.has(key))),
  }
  const journaled = [...history.writtenBy].find(([path, step]) => step === 'bridge' && path.startsWith(`${NETPLAN_DIR}/`) && path !== OUR_NETPLAN)?.[0]
  const home = journaled ?? (host.exists(CLOUD_INIT_NETPLAN) ? CLOUD_INIT_NETPLAN : `${NETPLAN_DIR}/01-${id}.yaml`)
  if (restored.has(home)) return []
  const before = host.read(home) ?? null
  if (before !== null && readNetplan(home, before).network.ethernets?.[id] !== undefined) return []
  if (journaled === undefined) context.unrestored.set(home, `${id}'s netplan definition was put into ${home}: without the journal its original file is unknown`)
  const doc = before === null ? new YAML.Document({network: {version: 2}}) : YAML.parseDocument(before)
  doc.setIn(['network', 'ethernets', id], doc.createNode(definition))
  return [{kind: 'file', path: home, before, after: doc.toString(), mode: 0o600, why: `${id}'s definition back from ${OUR_NETPLAN}`}]
}

function readNetplan(path: string, text: string) {
  try {
    return parseNetplan(text)
  } catch (error) {
    if (error instanceof NetplanError) throw new StepFailure(`${path} ${error.message}`)
    throw error
  }
}

/**
 * NetworkManager: init turned the uplink's own profile off (autoconnect=false) for its port profile; the
 * profile takes the NIC again. Profiles the journal names, else those bound to the port profile's NIC.
 */
function nmAutoconnectBack({host}: UninstallContext, restored: Set<string>, journaled: string[]): FileChange[] {
  const ports = nmProfiles(host).filter((path) => path.includes(`${BRIDGE}-port-`))
  const uplinks = new Set(ports.flatMap((path) => iniValue(parseIni(host.read(path) ?? ''), 'connection', 'interface-name') ?? []))
  return host.list(NM_DIR).flatMap((name): FileChange[] => {
    const path = `${NM_DIR}/${name}`
    const text = host.read(path)
    if (text === undefined || restored.has(path) || writtenByXensetup(text)) return []
    const sections = parseIni(text)
    const off = /^(false|no|0)$/i.test(iniValue(sections, 'connection', 'autoconnect') ?? 'true')
    const named = journaled.includes(path) || uplinks.has(iniValue(sections, 'connection', 'interface-name') ?? '')
    if (!off || !named) return []
    const after = text.split('\n').filter((line) => !/^\s*autoconnect\s*=/.test(line)).join('\n')
    return [{kind: 'file', path, before: text, after, why: 'the uplink\'s own profile takes the NIC again at boot'}]
  })
}
