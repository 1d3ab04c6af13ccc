import type {Facts, XenFacts} from '../facts/types.js'
import {parseXlInfo} from '../formats/xl-info.js'
import {parseXlList, type RunningDomain} from '../formats/xl-list.js'
import type {CommandRunner} from '../host/runner.js'

const XL_TIMEOUT_MS = 60_000

/**
 * Whether a toolstack runs here to ask: a live dom0 whose xenstored runs (from /proc, no spawn). Without
 * it xl only fails with "cannot init xl context".
 */
export function toolstackRunning(xen: Pick<XenFacts, 'dom0' | 'daemons'>, live: boolean): boolean {
  return live && xen.dom0 && xen.daemons.some((daemon) => daemon.endsWith('xenstored'))
}

/** The domains xl knows; null when there is no toolstack or xl cannot be asked (not root). */
export async function runningDomains(probe: CommandRunner, toolstack: boolean): Promise<RunningDomain[] | null> {
  if (!toolstack) return null
  const result = await probe.run(['xl', 'list'], {timeoutMs: XL_TIMEOUT_MS})
  return result.failed ? null : parseXlList(result.stdout)
}

/** `xl info` (host memory, virt_caps); null where it cannot be asked. */
export async function xlInfo(probe: CommandRunner, toolstack: boolean): Promise<Record<string, string> | null> {
  if (!toolstack) return null
  const result = await probe.run(['xl', 'info'], {timeoutMs: XL_TIMEOUT_MS})
  return result.failed ? null : parseXlInfo(result.stdout)
}

/**
 * The most RAM a guest can have: the host's total. In a dom0 /proc/meminfo shows only dom0's share, so
 * Xen's total_memory counts; a --root image's future host is unknown.
 */
export function hostMemoryMiB(facts: Facts, live: boolean, info: Record<string, string> | null): number | null {
  if (!live) return null
  if (facts.xen.dom0) {
    const total = Number(info?.total_memory)
    return Number.isFinite(total) && total > 0 ? total : null
  }
  return facts.memory.hostTotalMiB ?? facts.memory.totalMiB
}
