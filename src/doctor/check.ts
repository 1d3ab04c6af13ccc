import type {Facts} from '../facts/types.js'
import type {BridgeNextBoot} from './bridge-next-boot.js'

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/** Where the host stands; several readiness probes are wrong inside a running dom0 and vice versa. */
export type HostState = 'bare' | 'installed' | 'dom0' | 'domU'

export type Category = 'host' | 'cpu' | 'boot' | 'xen' | 'dom0' | 'memory' | 'network' | 'guests'

export const CATEGORY_TITLES: Record<Category, string> = {
  host: 'Host',
  cpu: 'CPU virtualization',
  boot: 'Firmware & boot',
  xen: 'Xen installation & runtime',
  dom0: 'Dom0 plumbing',
  memory: 'Memory',
  network: 'Networking',
  guests: 'Guest configurations',
}

export interface Outcome {
  status: CheckStatus
  /** One line: what was found. */
  detail: string
  /** A command (or the one thing to do) that fixes it; null when nothing needs fixing. */
  fix?: string | null
}

export interface CheckInput {
  facts: Facts
  state: HostState
  /** The running bridge against its configuration (bridge-next-boot.ts); null where there is none to judge. */
  bridgeNextBoot: BridgeNextBoot | null
}

export interface Check {
  /** Stable dotted id: automation and `--explain` rely on it. */
  id: string
  category: Category
  title: string
  /** The long explanation for `doctor --explain ID`: why it matters and what the fix does. */
  explain: string
  /** Checks whose failure (or skip) makes this one meaningless: it is skipped with the reason. */
  dependsOn?: string[]
  run(input: CheckInput): Outcome
}

export interface CheckResult {
  id: string
  category: Category
  title: string
  status: CheckStatus
  detail: string
  fix: string | null
}

export const pass = (detail: string): Outcome => ({status: 'pass', detail})
export const warn = (detail: string, fix: string | null = null): Outcome => ({status: 'warn', detail, fix})
export const fail = (detail: string, fix: string | null = null): Outcome => ({status: 'fail', detail, fix})
export const skip = (detail: string): Outcome => ({status: 'skip', detail})
