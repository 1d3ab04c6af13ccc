import {JOURNAL, Journal, fileHash} from '../../engine/journal.js'
import type {Host} from '../../host/host.js'
import {type CommandRunner, displayArgv, outputTail} from '../../host/runner.js'
import {VERSION} from '../../version.js'
import {type UplinkState, rollbackCommands} from './activate.js'

/**
 * A live switch to the bridge on trial, like `netplan try`: a process of its own (the reverter) puts the
 * uplink's addresses, routes and configuration files back at the deadline unless the switch is
 * confirmed first. Under /run, so a reboot ends the trial with the machine booting the written
 * configuration; the files here live in the target (its Host), like the journal.
 */
export const TRIAL = '/run/xensetup/network-trial.json'
/** Made with O_EXCL by whichever comes first, confirmation or revert: the other then finds it decided. */
export const DECISION = `${TRIAL}.decided`

export interface NetworkTrial {
  bridge: string
  uplink: UplinkState
  /** When the reverter acts unless the switch was confirmed (ms since the epoch). */
  deadline: number
  /** The configuration files the bridge step wrote, each with the backup of what it was (null: no file). */
  files: Array<{path: string; backup: string | null}>
  reverterPid?: number
}

export type Decision = 'confirmed' | 'revert'

/** What the reverter did, written beside the trial when it is done. */
export interface RevertOutcome {
  reverted: boolean
  /** Commands or files that could not be put back: the uplink may need a hand. */
  problems: string[]
}
export const OUTCOME = `${TRIAL}.outcome`

export function readTrial(host: Host): NetworkTrial | undefined {
  const text = host.read(TRIAL)
  return text === undefined ? undefined : (JSON.parse(text) as NetworkTrial)
}

export function writeTrial(host: Host, trial: NetworkTrial): void {
  host.write(TRIAL, `${JSON.stringify(trial, null, 2)}\n`, 'utf8', {mode: 0o600, uid: 0, gid: 0})
}

export function readDecision(host: Host): Decision | undefined {
  return host.read(DECISION)?.trim() as Decision | undefined
}

/** Records `decision` unless the trial was decided already; the decision that stands. */
export function decide(host: Host, decision: Decision): Decision {
  if (host.createExclusive(DECISION, `${decision}\n`, 0o600)) return decision
  return readDecision(host) ?? decision
}

/**
 * Confirms the switch on trial, unless the reverter decided first: 'confirmed' (journaled as a run of its
 * own), 'reverted', or 'none' when no switch is on trial.
 */
export function confirmTrial(host: Host, args: string[]): 'confirmed' | 'reverted' | 'none' {
  const trial = readTrial(host)
  if (!trial) return 'none'
  if (!host.createExclusive(DECISION, 'confirmed\n', 0o600)) return readDecision(host) === 'confirmed' ? 'confirmed' : 'reverted'
  const journal = new Journal(host, undefined, {command: 'confirm-network', args, version: VERSION, root: host.root, pid: process.pid})
  journal.record({kind: 'network-confirmed', bridge: trial.bridge, uplink: trial.uplink.name})
  journal.record({kind: 'run-end', result: 'ok', durationMs: 0})
  return 'confirmed'
}

export function readOutcome(host: Host): RevertOutcome | undefined {
  const text = host.read(OUTCOME)
  return text === undefined ? undefined : (JSON.parse(text) as RevertOutcome)
}

/**
 * The configuration files to put back, each with its backup: every file's latest journal entry, which
 * is the run that is switching now (it holds the run lock and has just written them).
 */
export function backupsOf(host: Host, paths: string[]): NetworkTrial['files'] {
  const latest = new Map<string, string | null>()
  for (const line of (host.read(JOURNAL) ?? '').split('\n')) {
    if (!line.trim()) continue
    const entry = JSON.parse(line) as {kind?: string; path?: string; backup?: string | null}
    if (entry.kind === 'file' && entry.path && paths.includes(entry.path)) latest.set(entry.path, entry.backup ?? null)
  }
  return paths.filter((target) => latest.has(target)).map((target) => ({path: target, backup: latest.get(target) ?? null}))
}

/**
 * The revert: the uplink out of the bridge, the bridge gone, the uplink's addresses and routes back, then
 * the configuration files as they were before the switch, when `mayRestoreFiles` (the run lock) allows. A run of its own in the journal ("network-revert"),
 * whose backups of the bridge's files let `rollback` redo the switch's configuration.
 */
export async function revertTrial(host: Host, runner: CommandRunner, trial: NetworkTrial, mayRestoreFiles: () => Promise<boolean>): Promise<RevertOutcome> {
  const started = Date.now()
  const journal = new Journal(host, undefined, {command: 'network-revert', args: [], version: VERSION, root: host.root, pid: process.pid})
  const problems: string[] = []
  for (const argv of rollbackCommands(trial.bridge, trial.uplink, true)) {
    const started = Date.now()
    const result = await runner.run(argv)
    journal.record({step: 'bridge', kind: 'command', argv, exitCode: result.exitCode, durationMs: Date.now() - started, backups: {}})
    if (result.failed) problems.push(`${displayArgv(argv)}: ${outputTail(result, 3)}`)
  }
  // The network first, at once: it is what keeps the admin out. The files only with the run lock.
  const restoreFiles = await mayRestoreFiles()
  if (!restoreFiles) problems.push(`the configuration files (${trial.files.map((file) => host.display(file.path)).join(', ')}) still bring ${trial.bridge} up at the next boot: another run held the lock`)
  for (const {path: target, backup} of restoreFiles ? trial.files : []) {
    try {
      const saved = journal.backup(target)
      if (backup === null) {
        host.remove(target)
      } else {
        const original = host.readFile(backup)
        if (!original) throw new Error(`its backup ${backup} is gone`)
        host.write(target, original.text, original.encoding, host.owner(backup) ?? {mode: 0o644, uid: 0, gid: 0})
      }
      journal.record({step: 'bridge', kind: 'file', path: target, backup: saved, created: saved === null && backup !== null, ...(backup === null ? {removed: true as const} : {}), sha256: fileHash(host, target)})
    } catch (error) {
      problems.push(`${host.display(target)}: ${(error as Error).message}`)
    }
  }
  journal.record({kind: 'run-end', result: problems.length === 0 ? 'ok' : 'failed', durationMs: Date.now() - started})
  return {reverted: true, problems}
}
