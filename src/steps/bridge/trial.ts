import {JOURNAL, Journal, type JournalEntry, fileHash} from '../../engine/journal.js'
import type {Host} from '../../host/host.js'
import type {CommandRunner} from '../../host/runner.js'
import {readRuns} from '../../journal/runs.js'
import {VERSION} from '../../version.js'
import {type UplinkState, restoreUplink} from './activate.js'

/**
 * A live switch to the bridge on trial, like `netplan try`: a process of its own (the reverter) puts the
 * uplink's addresses, routes and configuration files back at the deadline unless the switch is
 * confirmed first. Under /run, so a reboot ends the trial with the machine booting the written
 * configuration; the files here live in the target (its Host), like the journal.
 */
export const TRIAL = '/run/xensetup/network-trial.json'
/** Made with O_EXCL by whichever decides first, confirmation or revert; the other then reads DECISION. */
const CLAIM = `${TRIAL}.claim`
/** The decision, written whole (atomically) by the claim's holder. */
export const DECISION = `${TRIAL}.decided`
/** The reverter is running and has read the trial. */
export const READY = `${TRIAL}.ready`
/** What the reverter did. */
export const OUTCOME = `${TRIAL}.outcome`

const PRIVATE = {mode: 0o600, uid: 0, gid: 0}

export interface TrialFile {
  path: string
  /** The backup of what the file was before the switching run wrote it; null: there was no file. */
  backup: string | null
  /** sha256 of what that run left there: a file changed since is not overwritten. */
  written: string | null
}

export interface NetworkTrial {
  bridge: string
  uplink: UplinkState
  /** When the reverter acts unless the switch was confirmed (ms since the epoch). */
  deadline: number
  files: TrialFile[]
  reverterPid?: number
}

export type Decision = 'confirmed' | 'revert'

/** Commands, files or journal writes that failed in a revert: empty when everything is as before the switch. */
export interface RevertOutcome {
  problems: string[]
}

export function readTrial(host: Host): NetworkTrial | undefined {
  const text = host.read(TRIAL)
  return text === undefined ? undefined : (JSON.parse(text) as NetworkTrial)
}

export function writeTrial(host: Host, trial: NetworkTrial): void {
  host.write(TRIAL, `${JSON.stringify(trial, null, 2)}\n`, 'utf8', PRIVATE)
}

/** A new trial: whatever an earlier one decided, and its reverter's marks, are no answer for this one. */
export function clearTrial(host: Host): void {
  for (const file of [CLAIM, DECISION, READY, OUTCOME, TRIAL]) host.remove(file)
}

export function readDecision(host: Host): Decision | undefined {
  return host.read(DECISION)?.trim() as Decision | undefined
}

/**
 * Records `decision` unless the trial was decided already. The decision that stands, and whether it is
 * this call's; undefined when a claim's holder never wrote its decision (it was killed in between).
 */
export function decide(host: Host, decision: Decision): {decision: Decision | undefined; ours: boolean} {
  if (host.createExclusive(CLAIM, `${process.pid}\n`, 0o600)) {
    host.write(DECISION, `${decision}\n`, 'utf8', PRIVATE)
    return {decision, ours: true}
  }
  // The holder writes its decision right after its claim.
  for (let tries = 0; tries < 20; tries++) {
    const standing = readDecision(host)
    if (standing !== undefined) return {decision: standing, ours: false}
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
  }
  return {decision: undefined, ours: false}
}

/** Confirms the switch on trial unless the reverter decided first; a confirmation of its own is journaled. */
export function confirmTrial(host: Host, via: 'terminal' | 'command'): Decision | undefined {
  const trial = readTrial(host)
  if (!trial) return undefined
  const {decision, ours} = decide(host, 'confirmed')
  if (decision === 'confirmed' && ours) {
    const journal = new Journal(host, undefined, {command: 'confirm-network', args: [], version: VERSION, root: host.root, pid: process.pid})
    journal.record({kind: 'network-confirmed', bridge: trial.bridge, uplink: trial.uplink.name, via})
    journal.record({kind: 'run-end', result: 'ok', durationMs: 0})
  }
  return decision
}

/** The reverter's word that it runs and has read the trial: the activation waits for it. */
export function markReady(host: Host): void {
  host.write(READY, `${process.pid}\n`, 'utf8', PRIVATE)
}

export function writeOutcome(host: Host, outcome: RevertOutcome): void {
  host.write(OUTCOME, `${JSON.stringify(outcome)}\n`, 'utf8', PRIVATE)
}

export function readOutcome(host: Host): RevertOutcome | undefined {
  const text = host.read(OUTCOME)
  return text === undefined ? undefined : (JSON.parse(text) as RevertOutcome)
}

/**
 * The configuration files to put back: what the switching run (the journal's last, which holds the
 * lock and has just written them) backed up first and left last. A file it has no entry for cannot be
 * put back, so the switch is not made.
 */
export function backupsOf(host: Host, paths: string[]): TrialFile[] {
  const entries = (readRuns(host).at(-1)?.entries ?? []).filter((entry) => entry.kind === 'file')
  return paths.map((target) => {
    const of = entries.filter((entry) => entry.path === target)
    if (of.length === 0) throw new Error(`${host.display(target)} has no backup in the journal's last run, so it could not be put back`)
    return {path: target, backup: of[0].backup, written: of.at(-1)?.sha256 ?? null}
  })
}

/**
 * The revert: every command that puts the uplink back (out of the bridge, the bridge gone, its addresses
 * and routes), each tried whatever the others did, since they are what keeps the admin out; then the
 * configuration files as they were before the switch, when `mayRestoreFiles` (the run lock) allows and
 * the switch's text is still there. A run of its own in the journal ("network-revert"), written as far
 * as the journal can be written: its backups of the bridged files let `rollback` redo them.
 */
export async function revertTrial(host: Host, runner: CommandRunner, trial: NetworkTrial, mayRestoreFiles: () => Promise<boolean>): Promise<RevertOutcome> {
  const started = Date.now()
  const ran: JournalEntry[] = []
  const problems = await restoreUplink(runner, trial.bridge, trial.uplink, (argv, result, durationMs) => {
    ran.push({step: 'bridge', kind: 'command', argv, exitCode: result.exitCode, durationMs, backups: {}})
  })
  const journal = new BestEffortJournal(host)
  for (const entry of ran) journal.record(entry)
  if (await mayRestoreFiles()) {
    for (const file of trial.files) restoreFile(host, file, journal, problems)
  } else {
    problems.push(`the configuration files (${trial.files.map((file) => host.display(file.path)).join(', ')}) still bring ${trial.bridge} up at the next boot: another run held the lock`)
  }
  journal.record({kind: 'run-end', result: problems.length === 0 ? 'ok' : 'failed', durationMs: Date.now() - started})
  if (journal.problem) problems.push(`${host.display(JOURNAL)} could not be written: ${journal.problem}`)
  return {problems}
}

function restoreFile(host: Host, {path: target, backup, written}: TrialFile, journal: BestEffortJournal, problems: string[]): void {
  try {
    if (fileHash(host, target) !== written) {
      problems.push(`${host.display(target)} changed since the switch wrote it: left as it is`)
      return
    }
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

/** The revert's journal: a full disk or a damaged journal must not stop the network going back. */
class BestEffortJournal {
  problem: string | undefined
  private readonly journal: Journal

  constructor(host: Host) {
    this.journal = new Journal(host, undefined, {command: 'network-revert', args: [], version: VERSION, root: host.root, pid: process.pid})
  }

  record(entry: JournalEntry): void {
    attempt(() => this.journal.record(entry), this.failed)
  }

  /** The bridged version's backup path; null when there is none (no file, or it could not be made). */
  backup(target: string): string | null {
    return attempt(() => this.journal.backup(target), this.failed) ?? null
  }

  private readonly failed = (error: Error) => {
    this.problem ??= error.message
  }
}

/** What `work` returns, or undefined when it throws (told to `failed`): for the reverter, which has no one to report to. */
export function attempt<T>(work: () => T, failed?: (error: Error) => void): T | undefined {
  try {
    return work()
  } catch (error) {
    failed?.(error as Error)
    return undefined
  }
}
