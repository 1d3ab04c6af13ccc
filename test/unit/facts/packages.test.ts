import {describe, expect, it} from '@jest/globals'

import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {HostFiles} from '../../../src/facts/files.js'
import {collectPackages, dpkgDependents, parseApkInstalled, parseDpkgStatus, parsePacmanLocal, parsePortageInstalled} from '../../../src/facts/packages.js'
import type {PackageFacts} from '../../../src/facts/types.js'
import {Host} from '../../../src/host/host.js'
import {fixture, rootNames, rootsDir} from './fixtures.js'

/** What startingWith should answer: the whole inventory's names with a prefix. */
function named(installed: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(installed).filter(([name]) => name.startsWith(prefix)))
}

/** A fresh inventory of a root for each call: dpkg's is parsed whole on first use, and each search must be tried before that. */
function inventoryOf(root: string): () => PackageFacts {
  return () => collectPackages(new HostFiles(new Host(root)))
}

describe('parseDpkgStatus', () => {
  it('keeps installed packages with exact versions', () => {
    const installed = parseDpkgStatus(fixture('debian-12', '/var/lib/dpkg/status'))
    expect(installed['xen-hypervisor-4.17-amd64']).toBe('4.17.5+72-g01140da4e8-1')
    expect(installed['qemu-system-xen']).toBe('1:7.2+dfsg-7+deb12u18')
    expect(installed.libc6).toBe('2.36-9+deb12u9')
    expect(Object.keys(installed)).toHaveLength(15)
  })

  it('leaves out removed packages whose config files remain', () => {
    const installed = parseDpkgStatus(fixture('debian-13', '/var/lib/dpkg/status'))
    expect(installed).not.toHaveProperty('xen-hypervisor-4.17-amd64')
    expect(installed['xen-hypervisor-4.20-amd64']).toBe('4.20.4+63-g7abfd2bce2-0+deb13u1')
  })

  it('counts held packages as installed, half-installed ones not', () => {
    const status = `Package: a
Status: hold ok installed
Version: 1

Package: b
Status: install reinstreq half-installed
Version: 2

Package: c
Status: install ok installed
Description: continuation lines are not fields
 Version: 9
Version: 3
`
    expect(parseDpkgStatus(status)).toEqual({a: '1', c: '3'})
  })
})

describe('collectPackages', () => {
  const prefixes = ['xen', 'xen-hypervisor-', 'lib', 'app-emulation/xen', 'q', 'nothing-by-this-name', '']

  it.each(rootNames())('searches %s for names by prefix exactly as the whole inventory lists them', (root) => {
    const inventory = inventoryOf(path.join(rootsDir, root))
    const whole = inventory().installed
    for (const prefix of prefixes) {
      expect(inventory().startingWith(prefix)).toEqual(named(whole, prefix))
      const parsed = inventory()
      void parsed.installed
      expect(parsed.startingWith(prefix)).toEqual(named(whole, prefix))
    }
    expect(inventory().startingWith('xen', 'lib')).toEqual({...named(whole, 'xen'), ...named(whole, 'lib')})
  })

  it('finds dpkg stanzas however they are laid out, as the whole parse does', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xensetup-dpkg-'))
    try {
      mkdirSync(path.join(root, 'var/lib/dpkg/updates'), {recursive: true})
      const status = [
        'Package: xen-first\nStatus: install ok installed\nVersion: 1',
        'Status: install ok installed\nPackage: xen-late\nVersion: 2',
        // a whitespace-only line between stanzas
        'Package: other\nStatus: install ok installed\nVersion: 7\n \nStatus: install ok installed\nPackage: xen-spaced\nVersion: 8',
        // multi-arch: one name twice, the first only configured, the second installed
        'Package: xen-multi\nStatus: deinstall ok config-files\nVersion: 3',
        'Package: xen-multi\nStatus: install ok installed\nVersion: 4\nDescription: continuation\n Package: xen-fake',
        'Package: xen-multi\nStatus: install ok installed\nVersion: 5',
        'Package: xen-broken\nStatus: install reinstreq half-configured\nVersion: 6',
        // spacing dpkg does not write, but its parser and the whole parse accept
        'Package:\txen-tab\nStatus: install ok installed\nVersion: 9',
        'Package:xen-tight\nStatus: install ok installed\nVersion: 10',
      ].join('\n\n')
      writeFileSync(path.join(root, 'var/lib/dpkg/status'), status)
      const inventory = inventoryOf(root)
      const expected = {'xen-first': '1', 'xen-late': '2', 'xen-spaced': '8', 'xen-multi': '4', 'xen-tab': '9', 'xen-tight': '10'}
      expect(inventory().startingWith('xen')).toEqual(expected)
      expect(inventory().startingWith('')).toEqual({...expected, other: '7'})
      expect(inventory().installed).toEqual({...expected, other: '7'})
      expect(inventory().unfinished).toEqual(['xen-broken'])
      writeFileSync(path.join(root, 'var/lib/dpkg/updates/0001'), '')
      expect(JSON.parse(JSON.stringify(inventory()))).toEqual({manager: 'dpkg', inventoryAvailable: true, installed: {...expected, other: '7'}, unfinished: ['xen-broken', 'journal']})
    } finally {
      rmSync(root, {recursive: true})
    }
  })
})

describe('dpkgDependents', () => {
  it('names installed packages outside the set that depend (or pre-depend, or in an alternative) on one in it', () => {
    const status = [
      'Package: xen-utils\nStatus: install ok installed\nVersion: 1',
      'Package: mine\nStatus: install ok installed\nDepends: libc6 (>= 2.36), xen-utils:amd64 (= 1)',
      'Package: early\nStatus: hold ok installed\nPre-Depends: other | xen-utils',
      'Package: gone\nStatus: deinstall ok config-files\nDepends: xen-utils',
      'Package: similar\nStatus: install ok installed\nDepends: xen-utils-common, libxen-utils',
      'Package: inside\nStatus: install ok installed\nDepends: xen-utils',
    ].join('\n\n')
    expect(dpkgDependents(status, new Set(['xen-utils', 'inside']))).toEqual(['mine', 'early'])
    expect(dpkgDependents(status, new Set(['nothing']))).toEqual([])
  })
})

describe('parseApkInstalled', () => {
  it('reads P: and V: of each stanza', () => {
    expect(parseApkInstalled(fixture('alpine-3.20', '/lib/apk/db/installed'))).toEqual({
      musl: '1.2.5-r0',
      busybox: '1.36.1-r29',
      'ifupdown-ng': '0.12.1-r6',
      'linux-lts': '6.6.58-r0',
      openrc: '0.54-r1',
      syslinux: '6.04_pre1-r15',
      xen: '4.18.3-r0',
      'xen-hypervisor': '4.18.3-r0',
      'xen-libs': '4.18.3-r0',
    })
  })
})

describe('parsePacmanLocal', () => {
  it('splits <name>-<pkgver>-<pkgrel> at the second-to-last dash', () => {
    expect(parsePacmanLocal(['systemd-libs-256.8-1', 'grub-2:2.12-3', 'xorg-fonts-100dpi-1.0.4-3', 'ALPM_DB_VERSION'])).toEqual({
      'systemd-libs': '256.8-1',
      grub: '2:2.12-3',
      'xorg-fonts-100dpi': '1.0.4-3',
    })
  })
})

describe('parsePortageInstalled', () => {
  it('splits name and version by Gentoo version syntax', () => {
    expect(parsePortageInstalled('app-emulation', ['xen-4.18.3', 'xen-tools-4.18.3-r1', 'qemu-9.1.0'])).toEqual({
      'app-emulation/xen': '4.18.3',
      'app-emulation/xen-tools': '4.18.3-r1',
      'app-emulation/qemu': '9.1.0',
    })
    expect(parsePortageInstalled('x11-fonts', ['font-adobe-100dpi-1.0.4'])).toEqual({'x11-fonts/font-adobe-100dpi': '1.0.4'})
    expect(parsePortageInstalled('dev-lang', ['python-3.12.7_p1'])).toEqual({'dev-lang/python': '3.12.7_p1'})
  })
})
