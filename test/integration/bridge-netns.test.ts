import {afterAll, afterEach, beforeEach, describe, expect, test} from '@jest/globals'
import type {ChildProcess} from 'node:child_process'
import {ActivationFailed, activateBridge, readUplink} from '../../src/steps/bridge/activate.js'
import {HOST_NS, type Link, NamespaceRunner, ROUTES_4, ROUTES_6, UPLINK, createNamespaces, globalAddresses, inHost, linkExists, reach, removeNamespaces, routesVia, startServer} from '../lib/netns-lab.js'

/**
 * The live activation for real, inside network namespaces (test/lib/netns-lab.ts).
 *
 * Creating namespaces and veth pairs needs CAP_NET_ADMIN, so the test runs as root only (CI is root);
 * an unprivileged run skips it instead of failing on EPERM.
 */
const asRoot = process.getuid?.() === 0
if (!asRoot) process.stderr.write('bridge-netns: skipped, creating network namespaces needs root\n')
const describeAsRoot = asRoot ? describe : describe.skip

describeAsRoot('live bridge activation in a network namespace', () => {
  let server: ChildProcess | undefined
  let mac: string

  beforeEach(async () => {
    removeNamespaces()
    createNamespaces()
    mac = inHost<Link[]>('link', 'show', 'dev', UPLINK)[0].address
    server = await startServer()
  })

  afterEach(() => {
    server?.kill()
    removeNamespaces()
  })

  afterAll(removeNamespaces)

  test("xenbr0 takes the uplink's MAC, addresses and routes, with STP off and no delay, and stays reachable", async () => {
    const runner = new NamespaceRunner(HOST_NS)
    await activateBridge(runner, 'xenbr0', await readUplink(runner, UPLINK))

    const [bridge] = inHost<Link[]>('-d', 'link', 'show', 'dev', 'xenbr0')
    expect(bridge.address).toBe(mac)
    expect(bridge.linkinfo?.info_kind).toBe('bridge')
    expect(bridge.linkinfo?.info_data).toMatchObject({stp_state: 0, forward_delay: 0})
    expect(inHost<Link[]>('link', 'show', 'dev', UPLINK)[0].master).toBe('xenbr0')
    expect(globalAddresses('xenbr0')).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
    expect(globalAddresses(UPLINK)).toEqual([])
    expect(routesVia('-4', 'xenbr0')).toEqual(ROUTES_4)
    expect(routesVia('-6', 'xenbr0')).toEqual(ROUTES_6)
    expect([...routesVia('-4', UPLINK), ...routesVia('-6', UPLINK)]).toEqual([])
    for (const address of ['10.77.0.2', '10.77.0.3', '2001:db8:77::2']) expect(reach(address)).toBe('pong')
  })

  test.each([
    ['enslaving the uplink', `ip link set dev ${UPLINK} master xenbr0`],
    ['moving the IPv6 address', 'ip -6 addr add 2001:db8:77::2/64 dev xenbr0 nodad'],
    ['moving the default route', 'ip -4 route replace default via 10.77.0.1 dev xenbr0 proto static metric 50'],
    ['moving the IPv6 default route, the last command', 'ip -6 route replace default via 2001:db8:77::1 dev xenbr0 metric 1024'],
  ])('a failure while %s restores the uplink exactly, and it stays reachable', async (_, failing) => {
    const runner = new NamespaceRunner(HOST_NS, failing)
    const uplink = await readUplink(runner, UPLINK)
    const error = await activateBridge(runner, 'xenbr0', uplink).catch((caught: unknown) => caught)

    expect(runner.calls.map((argv) => argv.join(' '))).toContain(failing)
    expect(error).toBeInstanceOf(ActivationFailed)
    expect((error as ActivationFailed).rollbackFailures).toEqual([])
    expect(linkExists('xenbr0')).toBe(false)
    expect(inHost<Link[]>('link', 'show', 'dev', UPLINK)[0].master).toBeUndefined()
    expect(globalAddresses(UPLINK)).toEqual(['10.77.0.2/24', '10.77.0.3/24', '2001:db8:77::2/64'])
    expect(routesVia('-4', UPLINK)).toEqual(ROUTES_4)
    expect(routesVia('-6', UPLINK)).toEqual(ROUTES_6)
    for (const address of ['10.77.0.2', '2001:db8:77::2']) expect(reach(address)).toBe('pong')
  })
})
