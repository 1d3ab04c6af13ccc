import {describe, expect, it} from '@jest/globals'

import {type OsRelease, bundledSupportRules, decideSupport, distroFamily, parseOsRelease, parseSupportRules} from '../../../src/facts/distro.js'
import {fixture} from './fixtures.js'

describe('parseOsRelease', () => {
  it.each([
    ['debian-12', '/usr/lib/os-release', {id: 'debian', versionId: '12', codename: 'bookworm', family: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)'}],
    ['ubuntu-24.04', '/usr/lib/os-release', {id: 'ubuntu', versionId: '24.04', codename: 'noble', family: 'debian', prettyName: 'Ubuntu 24.04.1 LTS'}],
    ['linuxmint-22', '/usr/lib/os-release', {id: 'linuxmint', versionId: '22', codename: 'wilma', family: 'debian', prettyName: 'Linux Mint 22'}],
    ['fedora-41', '/usr/lib/os-release', {id: 'fedora', versionId: '41', codename: null, family: 'fedora', prettyName: 'Fedora Linux 41 (Server Edition)'}],
    ['rocky-9', '/etc/os-release', {id: 'rocky', versionId: '9.4', codename: null, family: 'rhel', prettyName: 'Rocky Linux 9.4 (Blue Onyx)'}],
    ['opensuse-leap-15.6', '/usr/lib/os-release', {id: 'opensuse-leap', versionId: '15.6', codename: null, family: 'suse', prettyName: 'openSUSE Leap 15.6'}],
    ['opensuse-tumbleweed', '/usr/lib/os-release', {id: 'opensuse-tumbleweed', versionId: '20241211', codename: null, family: 'suse', prettyName: 'openSUSE Tumbleweed'}],
    ['arch', '/usr/lib/os-release', {id: 'arch', versionId: null, codename: null, family: 'arch', prettyName: 'Arch Linux'}],
    ['manjaro', '/usr/lib/os-release', {id: 'manjaro', versionId: null, codename: null, family: 'arch', prettyName: 'Manjaro Linux'}],
    ['alpine-3.20', '/etc/os-release', {id: 'alpine', versionId: '3.20.3', codename: null, family: 'alpine', prettyName: 'Alpine Linux v3.20'}],
    ['gentoo', '/usr/lib/os-release', {id: 'gentoo', versionId: '2.17', codename: null, family: 'gentoo', prettyName: 'Gentoo Linux'}],
    ['unknown-distro', '/etc/os-release', {id: 'void', versionId: null, codename: null, family: 'unknown', prettyName: 'Void Linux'}],
  ])('%s', (root, file, expected) => {
    expect(parseOsRelease(fixture(root, file))).toMatchObject(expected)
  })

  it('applies os-release(5) defaults to an empty file', () => {
    expect(parseOsRelease('')).toEqual({id: 'linux', versionId: null, name: 'Linux', prettyName: 'Linux', codename: null, idLike: [], family: 'unknown'})
  })

  it('unescapes shell quoting', () => {
    expect(parseOsRelease('NAME="Foo \\"Bar\\" \\$x"\nID=foo').name).toBe('Foo "Bar" $x')
  })
})

describe('distroFamily', () => {
  it('follows ID, then ID_LIKE in order', () => {
    expect(distroFamily('pop', ['ubuntu', 'debian'])).toBe('debian')
    expect(distroFamily('almalinux', ['rhel', 'centos', 'fedora'])).toBe('rhel')
    expect(distroFamily('centos', ['rhel', 'fedora'])).toBe('rhel')
    expect(distroFamily('sles', [])).toBe('suse')
    expect(distroFamily('endeavouros', ['arch'])).toBe('arch')
    expect(distroFamily('nixos', [])).toBe('unknown')
  })
})

describe('decideSupport with the shipped distros/support.json', () => {
  const rules = bundledSupportRules()
  const release = (id: string, versionId: string | null, idLike: string[] = []): OsRelease => ({
    id,
    versionId,
    idLike,
    name: id,
    prettyName: id,
    codename: null,
    family: distroFamily(id, idLike),
  })

  it.each([
    ['debian', '12', [], true],
    ['debian', '13', [], true],
    ['debian', '11', [], false],
    ['debian', null, [], false],
    ['ubuntu', '22.04', ['debian'], true],
    ['ubuntu', '24.04', ['debian'], true],
    ['ubuntu', '20.04', ['debian'], false],
    ['linuxmint', '22', ['ubuntu', 'debian'], false],
    ['fedora', '42', [], true],
    ['rocky', '9.4', ['rhel', 'centos', 'fedora'], false],
    ['rhel', '8.10', ['fedora'], false],
    ['opensuse-leap', '15.6', ['suse', 'opensuse'], true],
    ['opensuse-leap', '16.0', ['suse', 'opensuse'], false],
    ['sles', '15.6', [], true],
    ['opensuse-tumbleweed', '20241211', ['opensuse', 'suse'], true],
    ['arch', null, [], true],
    ['alpine', '3.20.3', [], true],
    ['gentoo', '2.17', [], true],
    ['void', null, [], false],
  ] as const)('%s %s', (id, versionId, idLike, supported) => {
    expect(decideSupport(release(id, versionId, [...idLike]), rules).supported).toBe(supported)
  })

  it('says why EL is unsupported', () => {
    expect(decideSupport(release('rocky', '9.4', ['rhel']), rules).supportNote).toMatch(/No maintained Xen dom0 packages .* RHEL 8/)
  })

  it('is unsupported, with a note, when no rule matches', () => {
    expect(decideSupport(release('void', null), [])).toEqual({supported: false, supportNote: 'No rule in distros/support.json covers void'})
  })
})

describe('parseSupportRules', () => {
  it('rejects malformed data', () => {
    expect(() => parseSupportRules('{}')).toThrow(/"rules" must be an array/)
    expect(() => parseSupportRules('{"rules": [{"match": {}, "supported": "yes", "reason": ""}]}')).toThrow(/malformed rule/)
  })
})
