import type {HostFiles} from './files.js'
import type {CpuFacts, CpuVendor} from './types.js'

export interface Cpuinfo {
  vendor: CpuVendor
  model: string | null
  /** Tokens of the first processor's `flags` line. */
  flags: string[]
  /** Tokens of the `vmx flags` line (Linux >= 5.6 with CONFIG_X86_VMX_FEATURE_NAMES). */
  vmxFlags: string[]
  threads: number
  cores: number
}

const vendorById: Record<string, CpuVendor> = {
  GenuineIntel: 'intel',
  AuthenticAMD: 'amd',
  // Hygon Dhyana is a licensed Zen derivative with SVM/NPT.
  HygonGenuine: 'amd',
}

/** /proc/cpuinfo: one block per logical CPU, `key<tabs>: value` lines. */
export function parseCpuinfo(text: string): Cpuinfo {
  const processors = text
    .split(/\n\s*\n/)
    .map(parseBlock)
    .filter((block) => block.has('processor'))
  const first = processors[0] ?? new Map<string, string>()
  const coreIds = new Set(
    processors.filter((p) => p.has('core id')).map((p) => `${p.get('physical id') ?? '0'}/${p.get('core id')}`),
  )
  const tokens = (key: string) => (first.get(key) ?? '').split(/\s+/).filter(Boolean)
  return {
    vendor: vendorById[first.get('vendor_id') ?? ''] ?? 'other',
    model: first.get('model name') ?? null,
    flags: tokens('flags'),
    vmxFlags: tokens('vmx flags'),
    threads: processors.length,
    cores: coreIds.size || processors.length,
  }
}

function parseBlock(block: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
  }
  return fields
}

/**
 * Flags are matched as whole tokens (`svm` is not `svm_lock`). EPT is kept in `flags` as a synthetic flag
 * on most kernels but can appear only on the `vmx flags` line, so both are consulted.
 */
export function virtualizationSupport(cpu: Cpuinfo): Pick<CpuFacts, 'virtualization' | 'slat' | 'longMode'> {
  const flags = new Set(cpu.flags)
  const virtualization = flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : null
  let slat: CpuFacts['slat'] = null
  if (virtualization === 'vmx' && (flags.has('ept') || cpu.vmxFlags.includes('ept'))) slat = 'ept'
  if (virtualization === 'svm' && flags.has('npt')) slat = 'npt'
  return {virtualization, slat, longMode: flags.has('lm')}
}

/** Kernel messages printed when firmware locked VT-x / AMD-V off (the kernel then hides the flag). */
const firmwareDisabledVt = /\b(VMX|SVM|kvm)\b.*\b(disabled|not enabled)\b.*\bby BIOS\b/i

export function kernelLogSaysVtDisabled(log: string): boolean {
  return log.split('\n').some((line) => firmwareDisabledVt.test(line))
}

/** IOMMU hardware from sysfs: IOMMU class devices, else ACPI tables (names are world-readable). */
export function detectIommu(iommuDevices: string[], acpiTables: string[]): CpuFacts['iommu'] {
  if (iommuDevices.some((name) => name.startsWith('dmar'))) return 'vt-d'
  if (iommuDevices.some((name) => name.startsWith('ivhd'))) return 'amd-vi'
  // Xen renames DMAR to RMAD so dom0 does not drive VT-d itself.
  if (acpiTables.includes('DMAR') || acpiTables.includes('RMAD')) return 'vt-d'
  if (acpiTables.includes('IVRS')) return 'amd-vi'
  return null
}

export interface XenPosition {
  /** /sys/hypervisor/type, e.g. "xen". */
  hypervisorType: string | null
  dom0: boolean
}

export function collectCpu(files: HostFiles, xen: XenPosition): CpuFacts {
  const cpuinfo = parseCpuinfo(files.read('/proc/cpuinfo') ?? '')
  const support = virtualizationSupport(cpuinfo)
  // A dom0 kernel runs on Xen and its cpuinfo has `hypervisor`, yet it is the host, not a nested guest.
  const underHypervisor = !xen.dom0 && (cpuinfo.flags.includes('hypervisor') || xen.hypervisorType !== null)
  return {
    vendor: cpuinfo.vendor,
    model: cpuinfo.model,
    ...support,
    iommu: detectIommu(files.list('/sys/class/iommu'), files.list('/sys/firmware/acpi/tables')),
    underHypervisor,
    hypervisorVendor: xen.hypervisorType ?? (underHypervisor ? dmiVendor(files) : null),
    cores: cpuinfo.cores,
    threads: cpuinfo.threads,
    isDom0View: xen.dom0,
    vtDisabledByFirmware: vtDisabledByFirmware(files, support.virtualization !== null, underHypervisor || xen.dom0),
  }
}

function dmiVendor(files: HostFiles): string | null {
  return files.value('/sys/class/dmi/id/sys_vendor') || files.value('/sys/class/dmi/id/product_name') || null
}

function vtDisabledByFirmware(files: HostFiles, flagPresent: boolean, virtualized: boolean): boolean | null {
  if (flagPresent) return false
  // Missing flags in a guest or dom0 say nothing about the host firmware.
  if (virtualized) return null
  // Read only in this rare case: kern.log can be large.
  const log = files.read('/var/log/kern.log')
  return log !== undefined && kernelLogSaysVtDisabled(log) ? true : null
}
