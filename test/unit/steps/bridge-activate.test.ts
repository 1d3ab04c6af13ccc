import {describe, expect, test} from '@jest/globals'
import {readFileSync} from 'node:fs'
import {
  ActivationFailed,
  type UplinkState,
  activateBridge,
  activationCommands,
  parseAddrShow,
  parseRoutes,
  readUplink,
  rollbackCommands,
} from '../../../src/steps/bridge/activate.js'
import {FakeRunner} from '../../lib/fake-runner.js'

/** `ip -j` output in iproute2 6.1's shape: a DHCP primary, a static secondary, IPv6 global and link-local. */
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/bridge/ip/${name}`, import.meta.url), 'utf8')

const UPLINK: UplinkState = {
  name: 'eno1',
  mac: '52:54:00:12:34:56',
  master: null,
  addresses: [
    {family: 'inet', local: '192.0.2.10', prefixlen: 24, broadcast: '192.0.2.255'},
    {family: 'inet', local: '192.0.2.11', prefixlen: 24},
    {family: 'inet6', local: '2001:db8::10', prefixlen: 64},
  ],
  routes: [
    {family: 'inet', dst: 'default', gateway: '192.0.2.1', protocol: 'dhcp', prefsrc: '192.0.2.10', metric: 100, onlink: false},
    {family: 'inet', dst: '198.51.100.0/24', gateway: '192.0.2.254', protocol: 'static', onlink: true},
    {family: 'inet', dst: '203.0.113.0/24', scope: 'link', onlink: false},
    {family: 'inet6', dst: 'default', gateway: 'fe80::1', protocol: 'ra', metric: 1024, onlink: false},
  ],
}

const ACTIVATION = [
  ['ip', 'link', 'add', 'name', 'xenbr0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'],
  ['ip', 'link', 'set', 'dev', 'xenbr0', 'address', '52:54:00:12:34:56'],
  ['ip', 'link', 'set', 'dev', 'eno1', 'master', 'xenbr0'],
  ['ip', 'link', 'set', 'dev', 'xenbr0', 'up'],
  ['ip', '-6', 'addr', 'del', '2001:db8::10/64', 'dev', 'eno1'],
  ['ip', '-4', 'addr', 'del', '192.0.2.11/24', 'dev', 'eno1'],
  ['ip', '-4', 'addr', 'del', '192.0.2.10/24', 'broadcast', '192.0.2.255', 'dev', 'eno1'],
  ['ip', '-4', 'addr', 'add', '192.0.2.10/24', 'broadcast', '192.0.2.255', 'dev', 'xenbr0'],
  ['ip', '-4', 'addr', 'add', '192.0.2.11/24', 'dev', 'xenbr0'],
  ['ip', '-6', 'addr', 'add', '2001:db8::10/64', 'dev', 'xenbr0', 'nodad'],
  ['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'xenbr0', 'proto', 'dhcp', 'src', '192.0.2.10', 'metric', '100'],
  ['ip', '-4', 'route', 'replace', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'xenbr0', 'proto', 'static', 'onlink'],
  ['ip', '-4', 'route', 'replace', '203.0.113.0/24', 'dev', 'xenbr0', 'scope', 'link'],
  ['ip', '-6', 'route', 'replace', 'default', 'via', 'fe80::1', 'dev', 'xenbr0', 'proto', 'ra', 'metric', '1024'],
]

const RESTORE = [
  ['ip', '-4', 'addr', 'replace', '192.0.2.10/24', 'broadcast', '192.0.2.255', 'dev', 'eno1'],
  ['ip', '-4', 'addr', 'replace', '192.0.2.11/24', 'dev', 'eno1'],
  ['ip', '-6', 'addr', 'replace', '2001:db8::10/64', 'dev', 'eno1', 'nodad'],
  ['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'eno1', 'proto', 'dhcp', 'src', '192.0.2.10', 'metric', '100'],
  ['ip', '-4', 'route', 'replace', '198.51.100.0/24', 'via', '192.0.2.254', 'dev', 'eno1', 'proto', 'static', 'onlink'],
  ['ip', '-4', 'route', 'replace', '203.0.113.0/24', 'dev', 'eno1', 'scope', 'link'],
  ['ip', '-6', 'route', 'replace', 'default', 'via', 'fe80::1', 'dev', 'eno1', 'proto', 'ra', 'metric', '1024'],
]

const failing = (argv: string[], stderr = 'RTNETLINK answers: File exists') => ({[argv.join(' ')]: {exitCode: 2, stderr}})

describe('reading the uplink from ip -j', () => {
  test('global addresses only, primary first, with broadcast where set', () => {
    expect(parseAddrShow(fixture('addr-show.json'), 'eno1')).toEqual({mac: UPLINK.mac, master: null, addresses: UPLINK.addresses})
  })

  test("the uplink's routes except the kernel's prefix routes, other devices' and non-unicast ones", () => {
    expect([...parseRoutes(fixture('route-4.json'), 'inet', 'eno1'), ...parseRoutes(fixture('route-6.json'), 'inet6', 'eno1')]).toEqual(UPLINK.routes)
  })

  test('a port of a bridge shows its master; a missing link is an error', () => {
    expect(parseAddrShow('[{"ifname":"eno1","address":"52:54:00:12:34:56","master":"br0","addr_info":[]}]', 'eno1').master).toBe('br0')
    expect(() => parseAddrShow('[]', 'eno1')).toThrow('ip shows no link eno1')
  })

  test('readUplink runs only the three read-only probes', async () => {
    const runner = new FakeRunner({
      'ip -j addr show dev eno1': {stdout: fixture('addr-show.json')},
      'ip -j -4 route show': {stdout: fixture('route-4.json')},
      'ip -j -6 route show': {stdout: fixture('route-6.json')},
    })
    expect(await readUplink(runner, 'eno1')).toEqual(UPLINK)
    expect(runner.calls).toEqual([
      ['ip', '-j', 'addr', 'show', 'dev', 'eno1'],
      ['ip', '-j', '-4', 'route', 'show'],
      ['ip', '-j', '-6', 'route', 'show'],
    ])
  })
})

describe('live activation', () => {
  test('bridge with the MAC, STP off, delay 0; uplink enslaved; addresses and routes moved', async () => {
    expect(activationCommands('xenbr0', UPLINK)).toEqual(ACTIVATION)
    const runner = new FakeRunner()
    await activateBridge(runner, 'xenbr0', UPLINK)
    expect(runner.calls).toEqual(ACTIVATION)
  })

  test.each(ACTIVATION.slice(1).map((argv) => [argv.join(' '), ACTIVATION.indexOf(argv)] as const))('"%s" failing rolls the uplink back', async (_, at) => {
    const runner = new FakeRunner(failing(ACTIVATION[at]))
    await expect(activateBridge(runner, 'xenbr0', UPLINK)).rejects.toThrow(/failed: RTNETLINK answers: File exists; eno1 was restored$/)
    expect(runner.calls).toEqual([...ACTIVATION.slice(0, at + 1), ['ip', 'link', 'set', 'dev', 'eno1', 'nomaster'], ['ip', 'link', 'del', 'dev', 'xenbr0'], ...RESTORE])
  })

  test('when the bridge cannot be created (it exists), the rollback leaves that bridge alone', async () => {
    const runner = new FakeRunner(failing(ACTIVATION[0]))
    await expect(activateBridge(runner, 'xenbr0', UPLINK)).rejects.toThrow(ActivationFailed)
    expect(runner.calls).toEqual([ACTIVATION[0], ...rollbackCommands('xenbr0', UPLINK, false)])
    expect(runner.calls.some((argv) => argv.includes('del') && argv.includes('xenbr0'))).toBe(false)
  })

  test('every rollback command runs even when one fails, and the failures are reported', async () => {
    const runner = new FakeRunner({...failing(ACTIVATION[2]), ...failing(RESTORE[0], 'RTNETLINK answers: No such device')})
    const error = await activateBridge(runner, 'xenbr0', UPLINK).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ActivationFailed)
    expect((error as ActivationFailed).rollbackFailures).toEqual([`${RESTORE[0].join(' ')}: RTNETLINK answers: No such device`])
    expect((error as Error).message).toMatch(/restoring eno1 failed too/)
    expect(runner.calls.slice(-RESTORE.length)).toEqual(RESTORE)
  })

  test('an uplink that is already a port is refused before anything runs', async () => {
    const runner = new FakeRunner()
    await expect(activateBridge(runner, 'xenbr0', {...UPLINK, master: 'br0'})).rejects.toThrow('eno1 is already a port of br0; nothing was changed')
    expect(runner.calls).toEqual([])
  })
})
