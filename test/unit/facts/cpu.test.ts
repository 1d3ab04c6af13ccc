import {describe, expect, it} from '@jest/globals'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {detectIommu, kernelLogSaysVtDisabled, parseCpuinfo, virtualizationSupport} from '../../../src/facts/cpu.js'
import {fixture} from './fixtures.js'

describe('parseCpuinfo + virtualizationSupport', () => {
  it.each([
    // root, vendor, virtualization, slat, longMode, threads, cores, hypervisor flag
    ['debian-12', 'intel', 'vmx', 'ept', true, 2, 2, false], // EPT in flags and on `vmx flags`
    ['fedora-41', 'intel', 'vmx', 'ept', true, 2, 2, false], // EPT only on `vmx flags`
    ['opensuse-tumbleweed', 'intel', 'vmx', null, true, 2, 2, false], // Core 2: VT-x without EPT
    ['gentoo', 'amd', 'svm', 'npt', true, 2, 2, false],
    ['unknown-distro', 'amd', 'svm', null, true, 2, 2, false], // K8: SVM without NPT
    ['arch', 'intel', null, null, true, 2, 2, false], // no VT-x at all
    ['ubuntu-22.04', 'intel', null, null, true, 2, 2, false], // VT-x locked off by firmware
    ['alpine-3.20', 'intel', 'vmx', 'ept', true, 2, 2, false],
    ['ubuntu-24.04', 'intel', null, null, true, 2, 1, true], // EC2 guest
    ['manjaro', 'intel', 'vmx', 'ept', true, 2, 2, true], // KVM guest with nested VMX
    ['debian-13', 'intel', null, null, true, 2, 2, true], // Xen dom0: flags filtered
    ['opensuse-leap-15.6', 'amd', null, null, true, 2, 2, true], // Xen dom0 on AMD
  ])('%s', (root, vendor, virtualization, slat, longMode, threads, cores, hypervisorFlag) => {
    const cpu = parseCpuinfo(fixture(root, '/proc/cpuinfo'))
    expect(cpu.vendor).toBe(vendor)
    expect(virtualizationSupport(cpu)).toEqual({virtualization, slat, longMode})
    expect(cpu.threads).toBe(threads)
    expect(cpu.cores).toBe(cores)
    expect(cpu.flags.includes('hypervisor')).toBe(hypervisorFlag)
  })

  it('a 32-bit CPU (an Atom N270, which no 64-bit Xen runs on) has no long mode and no virtualization', () => {
    const cpu = parseCpuinfo(readFileSync(fileURLToPath(new URL('../../fixtures/cpuinfo/atom-n270-32bit', import.meta.url)), 'utf8'))
    expect(virtualizationSupport(cpu)).toEqual({virtualization: null, slat: null, longMode: false})
    expect([cpu.threads, cpu.cores]).toEqual([2, 1])
  })

  it('reads the model and the vmx flags line', () => {
    const cpu = parseCpuinfo(fixture('fedora-41', '/proc/cpuinfo'))
    expect(cpu.model).toBe('12th Gen Intel(R) Core(TM) i5-12400')
    expect(cpu.flags).not.toContain('ept')
    expect(cpu.vmxFlags).toContain('ept')
    expect(cpu.vmxFlags).toContain('ept_x_only')
  })

  it('matches flags as whole tokens', () => {
    const cpu = parseCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm_lock nptx lm_x\n')
    expect(virtualizationSupport(cpu)).toEqual({virtualization: null, slat: null, longMode: false})
  })

  it('treats Hygon as AMD and anything else as other', () => {
    expect(parseCpuinfo('processor\t: 0\nvendor_id\t: HygonGenuine\n').vendor).toBe('amd')
    expect(parseCpuinfo('processor\t: 0\nvendor_id\t: CentaurHauls\n').vendor).toBe('other')
    expect(parseCpuinfo('')).toEqual({vendor: 'other', model: null, flags: [], vmxFlags: [], threads: 0, cores: 0})
  })
})

describe('kernelLogSaysVtDisabled', () => {
  it('finds the firmware lock messages', () => {
    expect(kernelLogSaysVtDisabled(fixture('ubuntu-22.04', '/var/log/kern.log'))).toBe(true)
    expect(kernelLogSaysVtDisabled('Jan  1 00:00:00 h kernel: [    3.1] kvm: disabled by bios\n')).toBe(true)
    expect(kernelLogSaysVtDisabled('kernel: kvm_intel: VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL\n')).toBe(true)
    expect(kernelLogSaysVtDisabled('kernel: kvm_amd: SVM disabled (by BIOS) in MSR_VM_CR\n')).toBe(true)
  })

  it('does not take a plain "no hardware support" for a firmware lock', () => {
    expect(kernelLogSaysVtDisabled('kernel: [    3.4] kvm: no hardware support\n')).toBe(false)
  })
})

describe('detectIommu', () => {
  it('prefers IOMMU class devices, then ACPI tables (DMAR renamed RMAD under Xen)', () => {
    expect(detectIommu(['dmar0', 'dmar1'], [])).toBe('vt-d')
    expect(detectIommu(['ivhd0'], [])).toBe('amd-vi')
    expect(detectIommu([], ['APIC', 'RMAD'])).toBe('vt-d')
    expect(detectIommu([], ['IVRS'])).toBe('amd-vi')
    expect(detectIommu([], ['APIC', 'DSDT'])).toBeNull()
  })
})
