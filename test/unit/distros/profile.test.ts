import {describe, expect, it} from '@jest/globals'
import {readAsset} from '../../../src/assets.js'
import {PROFILED_FAMILIES, profileFor} from '../../../src/distros/profile.js'
import {ProfileError, validateProfileFile} from '../../../src/distros/validate.js'

const debian = () => JSON.parse(readAsset('distros/debian.json')) as Record<string, any>

/** The error for debian.json after `change`, or undefined when it still validates. */
function errorAfter(change: (profile: Record<string, any>) => void): string | undefined {
  const profile = debian()
  change(profile)
  try {
    validateProfileFile('distros/debian.json', profile, 'debian')
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError)
    return (error as Error).message
  }
}

describe('distro profiles', () => {
  it.each(PROFILED_FAMILIES)('%s.json loads and validates', (family) => {
    expect(profileFor({family, id: family, versionId: null})?.family).toBe(family)
  })

  it('Gentoo\'s profile follows the init system: OpenRC by default, the upstream units on a systemd profile', () => {
    const gentoo = {family: 'gentoo' as const, id: 'gentoo', versionId: null}
    expect(profileFor(gentoo, 'openrc')?.services.manager).toBe('openrc')
    expect(profileFor(gentoo, 'systemd')).toMatchObject({services: {manager: 'systemd'}, xenfs: {mountedBy: '/lib/systemd/system/proc-xen.mount'}})
  })

  it('the bundled Debian profile validates as it is', () => {
    expect(errorAfter(() => {})).toBeUndefined()
  })

  it.each([
    ['a missing key', (p: Record<string, any>) => delete p.install, 'distros/debian.json: install is missing'],
    ['an empty argv', (p: Record<string, any>) => (p.boot.mkconfig = []), 'distros/debian.json: boot.mkconfig must name a command'],
    ['a non-string in an argv', (p: Record<string, any>) => (p.install = ['apt-get', 3]), 'distros/debian.json: install[1] must be a non-empty string'],
    ['an unknown service manager', (p: Record<string, any>) => (p.services.manager = 'runit'), 'distros/debian.json: services.manager must be one of systemd, openrc (got "runit")'],
    ['a service the facts never report', (p: Record<string, any>) => p.services.enable.push('xen-frobd'), 'distros/debian.json: services.enable names xen-frobd, which the facts do not look for under systemd'],
    ['a misspelt key', (p: Record<string, any>) => (p.refesh = ['apt-get', 'update']), 'distros/debian.json: refesh is not a profile key'],
    ['a drop-in mechanism without its directory', (p: Record<string, any>) => delete p.boot.dropInDir, 'distros/debian.json: boot.dropInDir is missing'],
    ['a family other than the file name', (p: Record<string, any>) => (p.family = 'fedora'), 'distros/debian.json: family must be "debian"'],
    ['a bad variant override', (p: Record<string, any>) => (p.variants[0].packages = {xen: 'xen'}), 'distros/debian.json: variants[0].packages.xen must be an array of strings'],
    ['a variant without match', (p: Record<string, any>) => delete p.variants[0].match, 'distros/debian.json: variants[0].match is missing'],
    ['installedWhen without a file for a variant\'s package', (p: Record<string, any>) => (p.installedWhen = {'xen-system-amd64': ['/usr/sbin/xl'], 'qemu-system-xen': ['/usr/bin/qemu-system-i386'], 'bridge-utils': ['/usr/sbin/brctl'], lvm2: ['/usr/sbin/lvm'], ifupdown: ['/sbin/ifup'], 'dhcpcd-base': ['/usr/sbin/dhcpcd'], 'isc-dhcp-client': ['/sbin/dhclient']}), 'distros/debian.json: installedWhen has no file for qemu-system-x86-xen'],
    ['installedWhen without a file for the default network stack\'s package', (p: Record<string, any>) => (p.installedWhen = {'xen-system-amd64': ['/usr/sbin/xl'], 'qemu-system-xen': ['/usr/bin/qemu-system-i386'], 'qemu-system-x86-xen': ['/usr/bin/qemu-system-i386'], 'bridge-utils': ['/usr/sbin/brctl'], lvm2: ['/usr/sbin/lvm'], ifupdown: ['/sbin/ifup'], 'isc-dhcp-client': ['/sbin/dhclient']}), 'distros/debian.json: installedWhen has no file for dhcpcd-base'],
    ['a default network stack xensetup cannot write for a target configuring nothing', (p: Record<string, any>) => (p.variants[0].network.default = 'netplan'), 'distros/debian.json: variants[0].network.default must be one of ifupdown (got "netplan")'],
    ['a variant matching an unknown init system', (p: Record<string, any>) => (p.variants[0].match.init = 'runit'), 'distros/debian.json: variants[0].match.init must be one of systemd, openrc, sysv'],
  ])('refuses %s, naming the file and key', (_, change, message) => {
    expect(errorAfter(change)).toContain(message)
  })
})
