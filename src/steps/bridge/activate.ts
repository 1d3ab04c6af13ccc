import {type CommandRunner, type RunResult, displayArgv, outputTail} from '../../host/runner.js'

export type Family = 'inet' | 'inet6'

export interface IpAddress {
  family: Family
  local: string
  prefixlen: number
  broadcast?: string
}

export interface IpRoute {
  family: Family
  /** "default" or a prefix. */
  dst: string
  gateway?: string
  protocol?: string
  scope?: string
  prefsrc?: string
  metric?: number
  onlink: boolean
}

/** The uplink as the kernel has it now: what activation moves to the bridge and a rollback puts back. */
export interface UplinkState {
  name: string
  mac: string
  /** The bridge or bond it is already a port of. */
  master: string | null
  /** Global addresses, primary before secondary (the order `ip addr` lists them). */
  addresses: IpAddress[]
  /** Routes through the uplink other than the kernel's own prefix routes, which follow the addresses. */
  routes: IpRoute[]
}

interface AddrShowLink {
  ifname: string
  address?: string
  master?: string
  addr_info?: Array<{family: string; local: string; prefixlen: number; broadcast?: string; scope?: string}>
}

interface RouteShowEntry {
  dst: string
  dev?: string
  gateway?: string
  protocol?: string
  scope?: string
  prefsrc?: string
  metric?: number
  type?: string
  flags?: string[]
}

/** The MAC, master and global addresses of `name` from `ip -j addr show dev <name>`. */
export function parseAddrShow(json: string, name: string): Pick<UplinkState, 'mac' | 'master' | 'addresses'> {
  const link = (JSON.parse(json) as AddrShowLink[]).find((entry) => entry.ifname === name)
  if (!link?.address) throw new Error(`ip shows no link ${name}`)
  const addresses = (link.addr_info ?? [])
    .filter((info) => info.scope === 'global' && (info.family === 'inet' || info.family === 'inet6'))
    .map((info): IpAddress => ({family: info.family as Family, local: info.local, prefixlen: info.prefixlen, ...(info.broadcast ? {broadcast: info.broadcast} : {})}))
  return {mac: link.address, master: link.master ?? null, addresses}
}

/** The routes through `dev` in `ip -j -4|-6 route show` that activation must carry over to the bridge. */
export function parseRoutes(json: string, family: Family, dev: string): IpRoute[] {
  return (JSON.parse(json) as RouteShowEntry[])
    .filter((route) => route.dev === dev && route.protocol !== 'kernel' && (route.type === undefined || route.type === 'unicast'))
    .map((route) => ({
      family,
      dst: route.dst,
      onlink: route.flags?.includes('onlink') ?? false,
      ...(route.gateway ? {gateway: route.gateway} : {}),
      ...(route.protocol ? {protocol: route.protocol} : {}),
      ...(route.scope ? {scope: route.scope} : {}),
      ...(route.prefsrc ? {prefsrc: route.prefsrc} : {}),
      ...(route.metric !== undefined ? {metric: route.metric} : {}),
    }))
}

/** Reads the uplink's state from the kernel (read-only `ip -j` probes). */
export async function readUplink(runner: CommandRunner, name: string): Promise<UplinkState> {
  const link = parseAddrShow(await output(runner, ['ip', '-j', 'addr', 'show', 'dev', name]), name)
  const routes = [
    ...parseRoutes(await output(runner, ['ip', '-j', '-4', 'route', 'show']), 'inet', name),
    ...parseRoutes(await output(runner, ['ip', '-j', '-6', 'route', 'show']), 'inet6', name),
  ]
  return {name, ...link, routes}
}

/**
 * The commands that make `bridge` carry the uplink's traffic, in order. Addresses leave the uplink
 * secondaries first (deleting a primary takes its secondaries with it) and reach the bridge primaries
 * first; routes move with `replace`, which also covers routes the kernel dropped with the last address.
 */
export function activationCommands(bridge: string, uplink: UplinkState): string[][] {
  return [
    ['ip', 'link', 'add', 'name', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'],
    ['ip', 'link', 'set', 'dev', bridge, 'address', uplink.mac],
    ['ip', 'link', 'set', 'dev', uplink.name, 'master', bridge],
    ['ip', 'link', 'set', 'dev', bridge, 'up'],
    ...[...uplink.addresses].reverse().map((address) => addressCommand('del', address, uplink.name)),
    ...uplink.addresses.map((address) => addressCommand('add', address, bridge)),
    ...uplink.routes.map((route) => routeCommand(route, bridge)),
  ]
}

/**
 * The commands that put the uplink back as it was: out of the bridge, the bridge gone (only when this
 * run created it), then its addresses and routes restored with `replace`, which is harmless for the
 * ones it still has. The same list serves whatever step failed.
 */
export function rollbackCommands(bridge: string, uplink: UplinkState, bridgeCreated: boolean): string[][] {
  return [
    ['ip', 'link', 'set', 'dev', uplink.name, 'nomaster'],
    ...(bridgeCreated ? [['ip', 'link', 'del', 'dev', bridge]] : []),
    ...uplink.addresses.map((address) => addressCommand('replace', address, uplink.name)),
    ...uplink.routes.map((route) => routeCommand(route, uplink.name)),
  ]
}

export class ActivationFailed extends Error {
  constructor(
    message: string,
    /** Rollback commands that failed too: the uplink may need a hand. Empty when it was restored. */
    readonly rollbackFailures: string[],
  ) {
    super(message)
  }
}

/**
 * Moves the uplink's addresses and routes onto a new bridge with the uplink as its port, all or
 * nothing: when a command fails, the rollback restores the uplink before the error is thrown.
 */
export async function activateBridge(runner: CommandRunner, bridge: string, uplink: UplinkState): Promise<void> {
  if (uplink.master) throw new ActivationFailed(`${uplink.name} is already a port of ${uplink.master}; nothing was changed`, [])
  let completed = 0
  for (const argv of activationCommands(bridge, uplink)) {
    const result = await runner.run(argv)
    if (!result.failed) {
      completed++
      continue
    }
    const rollbackFailures = await rollBack(runner, rollbackCommands(bridge, uplink, completed > 0))
    throw new ActivationFailed(`${displayArgv(argv)} failed: ${outputTail(result, 3)}; ${restoredText(uplink.name, rollbackFailures)}`, rollbackFailures)
  }
}

/**
 * Puts the uplink back after a completed activation (the bridge removed too); the commands that failed.
 * `ran` hears of each command (the revert journals them).
 */
export async function restoreUplink(runner: CommandRunner, bridge: string, uplink: UplinkState, ran?: RanCommand): Promise<string[]> {
  return rollBack(runner, rollbackCommands(bridge, uplink, true), ran)
}

export type RanCommand = (argv: string[], result: RunResult, durationMs: number) => void

/** What a rollback did, for a message: "<uplink> was restored", or which commands failed. */
export function restoredText(name: string, failures: string[]): string {
  return failures.length === 0 ? `${name} was restored` : `restoring ${name} failed too:\n${failures.join('\n')}`
}

/** Runs every rollback command, even past a failure: each one restores a separate piece. */
async function rollBack(runner: CommandRunner, commands: string[][], ran?: RanCommand): Promise<string[]> {
  const failures: string[] = []
  for (const argv of commands) {
    const started = Date.now()
    const result = await runner.run(argv)
    ran?.(argv, result, Date.now() - started)
    if (result.failed) failures.push(`${displayArgv(argv)}: ${outputTail(result, 3)}`)
  }
  return failures
}

function addressCommand(verb: 'add' | 'del' | 'replace', address: IpAddress, dev: string): string[] {
  const broadcast = address.broadcast ? ['broadcast', address.broadcast] : []
  // The address was in use on this host a moment ago: duplicate address detection would only delay it.
  const nodad = address.family === 'inet6' && verb !== 'del' ? ['nodad'] : []
  return ['ip', familyFlag(address.family), 'addr', verb, `${address.local}/${address.prefixlen}`, ...broadcast, 'dev', dev, ...nodad]
}

function routeCommand(route: IpRoute, dev: string): string[] {
  return [
    'ip', familyFlag(route.family), 'route', 'replace', route.dst,
    ...(route.gateway ? ['via', route.gateway] : []),
    'dev', dev,
    ...(route.protocol ? ['proto', route.protocol] : []),
    ...(route.scope ? ['scope', route.scope] : []),
    ...(route.prefsrc ? ['src', route.prefsrc] : []),
    ...(route.metric !== undefined ? ['metric', String(route.metric)] : []),
    ...(route.onlink ? ['onlink'] : []),
  ]
}

function familyFlag(family: Family): string {
  return family === 'inet' ? '-4' : '-6'
}

async function output(runner: CommandRunner, argv: string[]): Promise<string> {
  const result = await runner.run(argv)
  if (result.failed) throw new Error(`${displayArgv(argv)} failed: ${outputTail(result, 3)}`)
  return result.stdout
}
