import {dom0MemArgument} from '../formats/xen-command-line.js'
import type {HostFiles} from './files.js'
import type {MemoryFacts} from './types.js'

/** /proc/meminfo values in kB, keyed by field name (MemTotal, SwapTotal, ...). */
export function parseMeminfo(text: string): Record<string, number> {
  const fields: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const match = /^(\S+):\s+(\d+)/.exec(line)
    if (match) fields[match[1]] = Number(match[2])
  }
  return fields
}

const minDom0MiB = 1024
const maxDom0MiB = 8192
const dom0Granularity = 256

/**
 * Fixed dom0 memory: 1 GiB + 5% of host RAM, rounded up to 256 MiB, between 1 GiB and 8 GiB.
 * That is Citrix Hypervisor's control-domain sizing ("1 GiB plus 5% of the total physical memory ... up
 * to an initial maximum of 8 GiB"), which satisfies the Xen Project Best Practices advice to pin dom0 at
 * a fixed size of at least 1024 MB with `dom0_mem=X,max:X` (Xen Project Best Practices; XenServer's own dom0 sizing). On hosts under ~2.5 GiB,
 * too small for Xen to be useful anyway, it is cut to half the RAM so guests still get some.
 * vCPUs: Debian's documented example `dom0_max_vcpus=1-4`, widened to 1-8 on hosts with > 32 threads
 * (SUSE KB: don't starve dom0 to a single vCPU).
 */
export function recommendDom0(hostMiB: number, hostThreads: number): {mib: number; dom0Mem: string; maxVcpus: string} {
  const wanted = Math.ceil((minDom0MiB + 0.05 * hostMiB) / dom0Granularity) * dom0Granularity
  const halfHost = Math.max(dom0Granularity, Math.floor(hostMiB / 2 / dom0Granularity) * dom0Granularity)
  const mib = Math.min(maxDom0MiB, halfHost, Math.max(minDom0MiB, wanted))
  return {mib, dom0Mem: dom0MemArgument(mib), maxVcpus: hostThreads > 32 ? '1-8' : '1-4'}
}

const MEMORY_BLOCKS = '/sys/devices/system/memory'

/**
 * The RAM installed, in MiB: the kernel's memory blocks (sysfs) times their size. MemTotal is less by
 * what the firmware and the kernel keep for themselves, about 5% of a 2 GiB machine, so it would size
 * that server as 1.9 GiB; it stays the answer where sysfs lists no memory blocks.
 */
function installedMiB(files: HostFiles, memTotalMiB: number): number {
  const blockBytes = Number.parseInt(files.value(`${MEMORY_BLOCKS}/block_size_bytes`) ?? '', 16)
  const blocks = files.list(MEMORY_BLOCKS).filter((name) => /^memory\d+$/.test(name)).length
  const mib = Math.floor((blocks * blockBytes) / 2 ** 20)
  return Number.isFinite(mib) && mib >= memTotalMiB ? mib : memTotalMiB
}

export function collectMemory(files: HostFiles, dom0: boolean, hostThreads: number): MemoryFacts {
  const totalMiB = Math.floor((parseMeminfo(files.read('/proc/meminfo') ?? '').MemTotal ?? 0) / 1024)
  // In a dom0 both meminfo and sysfs describe dom0, so a recommendation would size dom0 from itself.
  const hostTotalMiB = dom0 || totalMiB === 0 ? null : installedMiB(files, totalMiB)
  const recommendation = hostTotalMiB === null ? null : recommendDom0(hostTotalMiB, hostThreads)
  return {
    totalMiB,
    isDom0View: dom0,
    hostTotalMiB,
    recommendedDom0MiB: recommendation?.mib ?? null,
    recommendedDom0Mem: recommendation?.dom0Mem ?? null,
    recommendedDom0MaxVcpus: recommendation?.maxVcpus ?? null,
  }
}
