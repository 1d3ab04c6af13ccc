import path from 'node:path'
import {globMatches, isGlob} from '../formats/glob.js'
import type {HostFiles} from './files.js'
import type {KernelFacts} from './types.js'

/** `CONFIG_NAME=value` lines of a kernel .config; `# CONFIG_X is not set` lines are left out. */
export function parseKernelConfig(text: string): Record<string, string> {
  const options: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^(CONFIG_\w+)=(.*)$/.exec(line.trim())
    if (match) options[match[1]] = match[2]
  }
  return options
}

export function collectKernel(files: HostFiles): KernelFacts {
  const release = files.value('/proc/sys/kernel/osrelease') || null
  const configPath = release ? `/boot/config-${release}` : null
  const text = configPath ? files.read(configPath) : undefined
  const config = text === undefined ? undefined : parseKernelConfig(text)
  return {
    release,
    cmdline: files.value('/proc/cmdline') ?? null,
    configPath: config ? configPath : null,
    // 20_linux_xen also accepts CONFIG_XEN_PRIVILEGED_GUEST=y (pre-pvops kernels).
    dom0Capable: config ? config.CONFIG_XEN_DOM0 === 'y' || config.CONFIG_XEN_PRIVILEGED_GUEST === 'y' : null,
  }
}

/**
 * The kernels GRUB's 20_linux_xen offers under Xen: it takes /boot/vmlinu[xz]-* and /boot/kernel-*, and
 * keeps one only when a config of it (`configs`, {version} being the image name after its prefix, a `*`
 * allowed) has CONFIG_XEN_DOM0=y. Arch and Manjaro install no such file, so it offers none there.
 */
export function kernelsOfferedUnderXen(files: HostFiles, configs: string[]): {images: string[]; offered: string[]} {
  const images = files
    .list('/boot')
    .filter((name) => /^(vmlinu[xz]|kernel)-/.test(name))
    .map((name) => `/boot/${name}`)
  const offered = images.filter((image) => {
    const version = image.replace(/^.*\//, '').replace(/^[^0-9]*-/, '')
    const candidates = configs.flatMap((pattern) => {
      const wanted = pattern.replaceAll('{version}', version)
      const dir = path.posix.dirname(wanted)
      return isGlob(wanted) ? files.list(dir).filter((name) => globMatches(path.posix.basename(wanted), name)).map((name) => `${dir}/${name}`) : [wanted]
    })
    const config = candidates.find((candidate) => files.exists(candidate))
    const options = config === undefined ? {} : parseKernelConfig(files.read(config) ?? '')
    return options.CONFIG_XEN_DOM0 === 'y' || options.CONFIG_XEN_PRIVILEGED_GUEST === 'y'
  })
  return {images, offered}
}
