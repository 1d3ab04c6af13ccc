import {HostFiles} from '../facts/files.js'
import {readGuestConfigs} from '../facts/guests.js'
import type {GuestConfig} from '../facts/types.js'
import {xenDaemonFacts} from '../facts/xen.js'
import {describeDomainState} from '../formats/xl-list.js'
import type {Host} from '../host/host.js'
import type {CommandRunner} from '../host/runner.js'
import {runningDomains, toolstackRunning} from './toolstack.js'

export interface GuestListing {
  name: string
  config: string
  type: GuestConfig['type']
  memoryMiB: number | null
  vcpus: number | null
  disks: string[]
  macs: string[]
  bridges: string[]
  autostart: boolean
  /** From the running toolstack: null when there is none to ask (then nothing was spawned). */
  state: {running: boolean; id: number | null; detail: string} | null
}

/**
 * The guests of the target from /etc/xen, with their state from `xl list` only where a toolstack runs
 * (a dom0 whose xenstored is in /proc): no process is spawned otherwise.
 */
export async function listGuests(host: Host, probe: CommandRunner): Promise<{guests: GuestListing[]; toolstack: 'running' | 'unreachable' | 'none'}> {
  const files = new HostFiles(host)
  const configs = readGuestConfigs(files)
  const reachable = toolstackRunning(xenDaemonFacts(files), host.isLive)
  const domains = await runningDomains(probe, reachable)
  const toolstack = !reachable ? 'none' : domains === null ? 'unreachable' : 'running'
  const guests = configs.map((config): GuestListing => {
    const name = config.name ?? config.path
    const domain = domains?.find((d) => d.name === name)
    return {
      name,
      config: config.path,
      type: config.type,
      memoryMiB: config.memoryMiB,
      vcpus: config.vcpus,
      disks: config.disks.map((disk) => `${disk.target ?? '?'}${disk.cdrom ? ' (cdrom)' : ''}`),
      macs: config.vifs.map((vif) => vif.mac ?? 'random'),
      bridges: config.bridges,
      autostart: config.autostart,
      state: domains === null ? null : domain ? {running: true, id: domain.id, detail: describeDomainState(domain.state)} : {running: false, id: null, detail: 'stopped'},
    }
  })
  return {guests, toolstack}
}

/** The listing as a table for a person. */
export function guestTable(guests: GuestListing[], toolstack: 'running' | 'unreachable' | 'none'): string {
  if (guests.length === 0) return 'No guest configs in /etc/xen. Create one with `xensetup guest create NAME`.\n'
  const rows = guests.map((g) => [
    g.name,
    g.type,
    g.memoryMiB === null ? '-' : `${g.memoryMiB}M`,
    String(g.vcpus ?? 1),
    g.state === null ? '?' : g.state.running ? `${g.state.detail} (id ${g.state.id})` : 'stopped',
    g.autostart ? 'yes' : 'no',
    g.bridges.join(',') || '-',
    g.macs.join(',') || '-',
    g.disks.join(', ') || '-',
  ])
  const header = ['NAME', 'TYPE', 'MEMORY', 'VCPUS', 'STATE', 'AUTOSTART', 'BRIDGE', 'MAC', 'DISKS']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')
  const note = toolstack === 'none' ? '\nSTATE ?: no Xen toolstack runs here (not a running dom0).' : toolstack === 'unreachable' ? '\nSTATE ?: xl list failed (it needs root).' : ''
  return `${[line(header), ...rows.map(line)].join('\n')}${note}\n`
}
