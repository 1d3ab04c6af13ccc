import type {Host} from '../host/host.js'
import {collectBlock, parseProcMounts, parseProcSwaps} from './block.js'
import {collectBoot} from './boot.js'
import {collectCpu} from './cpu.js'
import {collectDistro} from './distro.js'
import {HostFiles} from './files.js'
import {ServiceFiles, detectInit} from './init.js'
import {collectKernel} from './kernel.js'
import {collectMemory} from './memory.js'
import {collectNetwork} from './network.js'
import {collectPackages} from './packages.js'
import {collectRunState} from './run-state.js'
import type {BlockFacts, Facts} from './types.js'
import {collectXen, detectXenRuntime} from './xen.js'

export type * from './types.js'
export {parseBlsEntry, parseGrubCfg, parseGrubEnv, flattenMenu, resolveSelector} from './grub.js'
export {parseExtlinuxConf} from './extlinux.js'
export {parseCpuinfo, virtualizationSupport, detectIommu, kernelLogSaysVtDisabled} from './cpu.js'
export {parseOsRelease, distroFamily, decideSupport, bundledSupportRules} from './distro.js'
export {parseMeminfo, recommendDom0} from './memory.js'
export {parseSecureBootVariable, mergeGrubDefaults, xenEntry, xenOption} from './boot.js'
export {configSaysDom0} from './kernel.js'
export {parseDefaultRoute, parseIpv6DefaultRoute, chooseNetworkStack} from './network.js'
export {parseProcMounts, parseProcSwaps} from './block.js'
export {parseDpkgStatus, parseApkInstalled, parsePacmanLocal, parsePortageInstalled} from './packages.js'
export {parseAutoballoon, parseXlConfig, parseDeviceSpec} from '../formats/xlcfg.js'
export {xenCommandLineFromLog, featuresSayDom0} from './xen.js'
export {describeGuestConfig} from './guests.js'
export {parseShellAssignments} from '../formats/shell.js'

/**
 * Everything xensetup knows about the target, read from files under the host root. Spawns nothing and
 * loads only node:fs/node:path, so `doctor` stays fast; facts that need a process (xl info, wipefs,
 * rpm -q) are left to the steps that need them. `local` is the machine running xensetup (whose processes
 * hold run locks), when the target is a --root tree.
 */
export function gatherFacts(host: Host, local: Host = host): Facts {
  return host.readingAtOnce(() => gather(host, local))
}

function gather(host: Host, local: Host): Facts {
  const files = new HostFiles(host)
  const distro = collectDistro(files)
  const init = detectInit(files)
  const services = new ServiceFiles(files, init)
  const runtime = detectXenRuntime(files)
  const cpu = collectCpu(files, runtime)
  const kernel = collectKernel(files)
  const mounts = readMounts(files)
  const network = collectNetwork(files, services, distro.family)
  const packages = collectPackages(files)
  return {
    distro,
    cpu,
    memory: collectMemory(files, runtime.dom0, cpu.threads),
    boot: collectBoot(files),
    kernel,
    init,
    network,
    block: collectBlock(files, mounts, readSwaps(files), kernel.cmdline),
    xen: collectXen(files, {runtime, mounts, network, packages, services}),
    packages,
    run: collectRunState(files, local === host ? files : new HostFiles(local)),
    unreadable: files.unreadable,
  }
}

/** Only the block devices: with --root they are the running machine's, not the target tree's. */
export function gatherBlockFacts(host: Host): BlockFacts {
  const files = new HostFiles(host)
  return collectBlock(files, readMounts(files), readSwaps(files), files.value('/proc/cmdline') ?? null)
}

function readMounts(files: HostFiles) {
  return parseProcMounts(files.read('/proc/mounts') ?? '')
}

function readSwaps(files: HostFiles) {
  return parseProcSwaps(files.read('/proc/swaps') ?? '')
}
