import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {once} from 'node:events'
import {type CommandRunner, ExecaRunner, type RunOptions, type RunResult} from '../../src/host/runner.js'

/**
 * A network lab for the live bridge tests: `host` plays the dom0-to-be with uplink xsup0 (two IPv4
 * addresses, one IPv6, a default route each, one extra route), `peer` the gateway at the other end of a
 * veth pair. This machine's own interfaces, routes and /etc are never touched: every command runs in a
 * namespace the lab creates and deletes. Names carry the test process's pid, so jest workers do not meet.
 */
export const HOST_NS = `xs-test-${process.pid}`
export const PEER_NS = `xs-test-${process.pid}-peer`
export const UPLINK = 'xsup0'
const PORT = 7777

/** Runs every command inside one namespace, as the step's runner would run them on the host. */
export class NamespaceRunner implements CommandRunner {
  readonly calls: string[][] = []
  private readonly outer = new ExecaRunner()

  constructor(
    private readonly namespace: string,
    /** Makes this command fail without running it, to prove the rollback. */
    private readonly failOn?: string,
  ) {}

  async run(argv: string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push(argv)
    if (argv.join(' ') === this.failOn) return {argv, exitCode: 2, stdout: '', stderr: 'RTNETLINK answers: injected failure', failed: true, timedOut: false}
    return this.outer.run(['ip', 'netns', 'exec', this.namespace, ...argv], options)
  }
}

export function ip(...args: string[]): string {
  return execFileSync('ip', args, {encoding: 'utf8'})
}

/** `ip -j` output from inside the host namespace. */
export function inHost<T>(...args: string[]): T {
  return JSON.parse(ip('-n', HOST_NS, '-j', ...args)) as T
}

export interface Link {
  ifname: string
  address: string
  master?: string
  linkinfo?: {info_kind: string; info_data: {stp_state: number; forward_delay: number}}
  addr_info?: Array<{family: string; local: string; prefixlen: number; scope: string}>
}
interface Route {
  dst: string
  gateway?: string
  dev: string
  protocol?: string
  metric?: number
}

export const globalAddresses = (dev: string) =>
  inHost<Link[]>('addr', 'show', 'dev', dev)[0].addr_info?.filter((a) => a.scope === 'global').map((a) => `${a.local}/${a.prefixlen}`) ?? []
export const routesVia = (family: '-4' | '-6', dev: string) =>
  inHost<Route[]>(family, 'route', 'show')
    .filter((r) => r.dev === dev && r.protocol !== 'kernel')
    .map(({dst, gateway, metric, protocol}) => ({dst, gateway, metric, protocol}))
export const linkExists = (name: string) => inHost<Link[]>('link', 'show').some((link) => link.ifname === name)

export function removeNamespaces(): void {
  const present = ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0])
  for (const namespace of [HOST_NS, PEER_NS]) if (present.includes(namespace)) ip('netns', 'del', namespace)
}

export function createNamespaces(): void {
  ip('netns', 'add', HOST_NS)
  ip('netns', 'add', PEER_NS)
  ip('link', 'add', UPLINK, 'netns', HOST_NS, 'type', 'veth', 'peer', 'name', 'xspeer0', 'netns', PEER_NS)
  for (const [namespace, dev] of [[HOST_NS, UPLINK], [PEER_NS, 'xspeer0']]) {
    ip('-n', namespace, 'link', 'set', 'lo', 'up')
    ip('-n', namespace, 'link', 'set', dev, 'up')
  }
  ip('-n', PEER_NS, 'addr', 'add', '10.77.0.1/24', 'dev', 'xspeer0')
  ip('-n', PEER_NS, '-6', 'addr', 'add', '2001:db8:77::1/64', 'dev', 'xspeer0', 'nodad')
  ip('-n', HOST_NS, 'addr', 'add', '10.77.0.2/24', 'dev', UPLINK)
  ip('-n', HOST_NS, 'addr', 'add', '10.77.0.3/24', 'dev', UPLINK)
  ip('-n', HOST_NS, '-6', 'addr', 'add', '2001:db8:77::2/64', 'dev', UPLINK, 'nodad')
  ip('-n', HOST_NS, 'route', 'add', 'default', 'via', '10.77.0.1', 'proto', 'static', 'metric', '50')
  ip('-n', HOST_NS, 'route', 'add', '10.88.0.0/16', 'via', '10.77.0.1')
  ip('-n', HOST_NS, '-6', 'route', 'add', 'default', 'via', '2001:db8:77::1')
}

/** A TCP server in the host namespace that answers "pong": reachable means the addresses work. */
export async function startServer(): Promise<ChildProcess> {
  const script = `require('net').createServer((c) => c.end('pong')).listen(${PORT}, '::', () => console.log('listening'))`
  const server = spawn('ip', ['netns', 'exec', HOST_NS, process.execPath, '-e', script], {stdio: ['ignore', 'pipe', 'inherit']})
  await once(server.stdout!, 'data')
  return server
}

/** Connects from the peer namespace; "pong" or the error. */
export function reach(address: string): string {
  const script = `const c = require('net').connect({host: process.argv[1], port: ${PORT}, timeout: 3000});
c.on('data', (d) => { process.stdout.write(d); c.destroy() });
c.on('timeout', () => { console.log('timeout'); process.exit(1) });
c.on('error', (e) => { console.log(e.message); process.exit(1) })`
  try {
    return execFileSync('ip', ['netns', 'exec', PEER_NS, process.execPath, '-e', script, address], {encoding: 'utf8'})
  } catch (error) {
    return String((error as {stdout?: string}).stdout ?? error)
  }
}

export const ROUTES_4 = [
  {dst: 'default', gateway: '10.77.0.1', metric: 50, protocol: 'static'},
  {dst: '10.88.0.0/16', gateway: '10.77.0.1', metric: undefined, protocol: undefined},
]
export const ROUTES_6 = [{dst: 'default', gateway: '2001:db8:77::1', metric: 1024, protocol: undefined}]

