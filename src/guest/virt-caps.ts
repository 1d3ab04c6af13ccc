import type {Facts} from '../facts/types.js'

/** Whether HVM guests and hardware-assisted paging are available, and who says so; null when unknown. */
export interface VirtCaps {
  hvm: boolean | null
  hap: boolean | null
  source: string
}

/**
 * In a dom0 only Xen knows (cpuinfo hides vmx/svm there): `xl info` virt_caps when it could be asked,
 * else the capabilities in /sys/hypervisor. On a machine not yet running Xen, its CPU flags. A --root
 * image will run on some other machine: unknown.
 */
export function virtCaps(facts: Facts, live: boolean, xlInfo: Record<string, string> | null): VirtCaps {
  if (!live) return {hvm: null, hap: null, source: 'the --root target (the CPU it will run on is unknown here)'}
  if (facts.xen.dom0) {
    if (xlInfo?.virt_caps !== undefined) {
      const caps = xlInfo.virt_caps.split(/\s+/)
      return {hvm: caps.includes('hvm'), hap: caps.includes('hap'), source: `Xen (xl info virt_caps: ${xlInfo.virt_caps || 'none'})`}
    }
    return {hvm: facts.xen.capabilities.some((cap) => cap.startsWith('hvm')), hap: null, source: 'Xen (/sys/hypervisor/properties/capabilities)'}
  }
  const {virtualization, slat} = facts.cpu
  return {hvm: virtualization !== null, hap: slat !== null, source: 'this CPU (/proc/cpuinfo)'}
}
