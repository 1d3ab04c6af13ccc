import path from 'node:path'
import {globMatches, isGlob} from '../formats/glob.js'
import type {HostFiles} from './files.js'
import type {KernelFacts} from './types.js'

export function collectKernel(files: HostFiles): KernelFacts {
  const release = files.value('/proc/sys/kernel/osrelease') || null
  const configPath = release ? `/boot/config-${release}` : null
  const text = configPath ? files.read(configPath) : undefined
  return {
    release,
    cmdline: files.value('/proc/cmdline') ?? null,
    configPath: text === undefined ? null : configPath,
    dom0Capable: text === undefined ? null : configSaysDom0(text),
  }
}

/** The test 20_linux_xen makes of a kernel config (`grep -qx`): CONFIG_XEN_DOM0=y, or pre-pvops CONFIG_XEN_PRIVILEGED_GUEST=y. */
export function configSaysDom0(text: string): boolean {
  return /^CONFIG_(XEN_DOM0|XEN_PRIVILEGED_GUEST)=y$/m.test(text)
}

/**
 * The kernels in /boot that GRUB's 20_linux_xen takes (vmlinu[xz]-*, kernel-*), and whether it offers any
 * under Xen: it keeps one only when a config of it (`configs`, {version} being the image name after its
 * prefix, a `*` allowed) says dom0. Arch and Manjaro install no such file, so it offers none there.
 */
export function kernelsOfferedUnderXen(files: HostFiles, configs: string[]): {images: string[]; anyOffered: boolean} {
  const images = files
    .list('/boot')
    .filter((name) => /^(vmlinu[xz]|kernel)-/.test(name))
    .map((name) => `/boot/${name}`)
  const anyOffered = images.some((image) => {
    const version = image.replace(/^.*\//, '').replace(/^[^0-9]*-/, '')
    const candidates = configs.flatMap((pattern) => {
      const wanted = pattern.replaceAll('{version}', version)
      const dir = path.posix.dirname(wanted)
      return isGlob(wanted) ? files.list(dir).filter((name) => globMatches(path.posix.basename(wanted), name)).map((name) => `${dir}/${name}`) : [wanted]
    })
    const config = candidates.find((candidate) => files.exists(candidate))
    return config !== undefined && configSaysDom0(files.read(config) ?? '')
  })
  return {images, anyOffered}
}
