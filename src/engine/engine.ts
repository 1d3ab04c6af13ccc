import path from 'node:path'
import {HostPathError, type Host} from '../host/host.js'
import {type CommandRunner, displayArgv, outputTail} from '../host/runner.js'
import {type Change, type CommandChange, type FileChange, type LinkChange, sameChange} from './change.js'
import {fileHash, type Journal, sha256} from './journal.js'
import {DPKG_STATUS, parseDpkgStatus} from '../facts/packages.js'
import {failedReport, PlanChanged, type Step, StepFailure, type StepPlan, type StepReport} from './step.js'
import {Interrupted, StopSignal} from './stop.js'

export const ALREADY_CONFIGURED = 'already configured'
const MAX_ROUNDS = 3

export interface ApplyEvents {
  onChange?: (change: Change) => void
  /** A step planned again before it ran, because an earlier step of this run changed the target. */
  onReplan?: (report: StepReport) => Promise<void> | void
}

/**
 * The one place that plans, applies and journals. Steps are planned against the target as it is at
 * that moment, so a later step sees what an earlier one changed (e.g. packages before the boot entry).
 */
export class Engine<C> {
  /** Set once this run changed the target: from then on a later step's plan may differ from the one shown. */
  private changedTarget = false
  /** Files this run wrote, or that a command it ran rewrites (declared by the command). */
  private readonly touched = new Set<string>()
  /** A command of this run installed packages, which may bring files a shown plan saw missing. */
  private installedPackages = false

  constructor(
    private readonly host: Host,
    private readonly runner: CommandRunner,
    private readonly journal: Journal | null,
    /** Fresh context per step: facts are re-read after earlier steps changed the host. */
    private readonly contextFor: () => C,
    private readonly stop: StopSignal = new StopSignal(),
  ) {}

  /**
   * What each step would change now; writes nothing and runs nothing that changes the host. Planning
   * changes nothing, so every step is planned against one reading of the facts: `current` when the
   * caller has just read it.
   */
  async plan(steps: Step<C>[], current?: C): Promise<StepReport[]> {
    let context = current
    let unreadable: StepFailure | undefined
    try {
      context ??= this.contextFor()
    } catch (error) {
      // Facts that cannot be read fail every step, as each step's own reading of them would.
      unreadable = stepFailureOrThrow(error)
    }
    const reports: StepReport[] = []
    for (const step of steps) {
      try {
        if (unreadable) throw unreadable
        reports.push(await this.planStep(step, context))
      } catch (error) {
        if (!(error instanceof StepFailure)) throw error
        reports.push(failedReport(step, error))
      }
    }
    return reports
  }

  /** What the step would change now, against `context` (read now when not given). */
  async planStep(step: Step<C>, context?: C): Promise<StepReport> {
    const base = {id: step.id, title: step.title}
    let plan: StepPlan
    try {
      plan = await step.plan(context ?? this.contextFor())
    } catch (error) {
      throw asStepFailure(error)
    }
    if ('skip' in plan) return {...base, status: 'skipped', reason: plan.skip, changes: []}
    const state = plan.state === undefined ? {} : {state: plan.state}
    if (plan.changes.length === 0) return {...base, ...state, status: 'unchanged', reason: ALREADY_CONFIGURED, changes: []}
    return {...base, ...state, status: 'pending', changes: plan.changes}
  }

  /**
   * Applies the step as it was shown, then converges it: a command's effect (grub.cfg generated, a
   * package's files) can reveal what is left to do, e.g. the Xen entry's id to make default. The empty
   * re-plan is the proof that the step converged; one that still wants changes after MAX_ROUNDS fails.
   *
   * The step is planned again first. If that differs from what was shown, it is applied only when this
   * run itself changed the target since (packages bring the xl.conf the xenfs step edits), and then it
   * is reported through onReplan; otherwise something else changed the target and nothing is applied.
   * Without `shown` the step is converged from how it plans now.
   */
  async applyStep(step: Step<C>, shown?: StepReport, events: ApplyEvents = {}): Promise<StepReport> {
    let latest = await this.planStep(step)
    if (shown && !samePlan(latest, shown)) {
      if (!this.changedTarget) {
        throw new PlanChanged(`the plan for ${step.id} changed since it was shown (${whatDiffers(shown, latest, this.host)}); nothing of it was applied: run again to see the new plan`)
      }
      this.ensureOnlyOurChanges(step.id, shown, latest)
      await events.onReplan?.(latest)
    }
    if (latest.status !== 'pending') return latest
    const applied: Change[] = []
    for (let round = 0; latest.changes.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new StepFailure(`${step.id} did not converge; still wants: ${latest.changes.map(describeChange).join('; ')}`)
      }
      for (const change of latest.changes) {
        await this.stop.check(`before ${step.id}: ${describeChange(change)}`)
        events.onChange?.(change)
        this.journal?.record({kind: 'intent', step: step.id, change: describeChange(change)})
        this.changedTarget = true
        if (change.kind === 'file') this.applyFile(step.id, change)
        else if (change.kind === 'link') this.applyLink(step.id, change)
        else await this.applyCommand(step.id, change)
        applied.push(change)
      }
      latest = withoutDoneOnce(await this.planStep(step), applied)
      if (latest.status === 'skipped') throw new StepFailure(`${step.id} became inapplicable while applying: ${latest.reason}`)
    }
    return {...latest, status: 'changed', reason: undefined, changes: applied}
  }

  /**
   * A step planned again after earlier steps ran may differ from what was shown only where this run made
   * the difference: a file it wrote, one a command it ran rewrites, or one a package it installed
   * brought. Anything else changed the file behind the admin's back, and nothing of the step is applied.
   */
  private ensureOnlyOurChanges(stepId: string, shown: StepReport, latest: StepReport): void {
    const foreign = latest.changes.flatMap((change) => {
      if (change.kind !== 'file' || this.touched.has(change.path)) return []
      const was = fileChangeAt(shown, change.path)
      if (was && was.before === change.before) return []
      if (this.installedPackages && (was === undefined || was.before === null)) return []
      return [this.host.display(change.path)]
    })
    if (foreign.length > 0) {
      throw new PlanChanged(`${foreign.join(', ')} changed since the plan was shown, and not by this run; nothing of ${stepId} was applied: run again to see the new plan`)
    }
  }

  /** Before anything is applied: every file the shown plan edits must still hold what the plan read. */
  drifted(shown: StepReport[]): string[] {
    return shown.flatMap((report) => report.changes.filter((change) => !this.stillAsPlanned(change)).map((change) => this.host.display((change as FileChange | LinkChange).path)))
  }

  private stillAsPlanned(change: Change): boolean {
    if (change.kind === 'file') return (this.host.read(change.path) ?? null) === change.before
    if (change.kind === 'link') return (this.host.readlink(change.path) ?? null) === change.before
    return true
  }

  private applyFile(step: string, change: FileChange): void {
    const current = this.host.read(change.path) ?? null
    if (current !== change.before) {
      throw new PlanChanged(`${this.host.display(change.path)} changed while xensetup was planning; run again to plan again`)
    }
    const backup = this.journal?.backup(change.path) ?? null
    const existing = this.host.owner(change.path) ?? {
      mode: change.mode ?? 0o644,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    }
    const ownership = change.secret ? {...existing, mode: existing.mode & ~0o077} : existing
    const encoding = change.encoding ?? 'utf8'
    this.touched.add(change.path)
    if (change.after === null) {
      this.host.remove(change.path)
      this.journal?.record({step, kind: 'file', path: change.path, backup, created: false, removed: true, sha256: null})
      return
    }
    this.host.write(change.path, change.after, encoding, ownership)
    this.journal?.record({step, kind: 'file', path: change.path, backup, created: current === null, sha256: sha256(change.after, encoding)})
  }

  private applyLink(step: string, change: LinkChange): void {
    if ((this.host.readlink(change.path) ?? null) !== change.before) {
      throw new PlanChanged(`${this.host.display(change.path)} changed while xensetup was planning; run again to plan again`)
    }
    this.touched.add(change.path)
    this.host.link(change.path, change.target)
    this.journal?.record({step, kind: 'link', path: change.path, before: change.before, target: change.target})
  }

  private async applyCommand(step: string, change: CommandChange): Promise<void> {
    const backups = Object.fromEntries((change.rewrites ?? []).map((path) => [path, this.journal?.backup(path) ?? null]))
    for (const path of change.rewrites ?? []) this.touched.add(path)
    if (change.installs) this.installedPackages = true
    const packagesBefore = change.installs && this.journal ? installedPackages(this.host) : undefined
    const filesBefore = new Set((change.creates ?? []).flatMap((dir) => filesIn(this.host, dir)))
    const missingDirs = [...new Set([...(change.rewrites ?? []).map((file) => path.posix.dirname(file)), ...(change.creates ?? [])])].filter((dir) => !this.host.exists(dir))
    const started = Date.now()
    const result = await this.runner.run(change.argv, {env: change.env, timeoutMs: change.timeoutMs})
    const durationMs = Date.now() - started
    const left = Object.fromEntries((change.rewrites ?? []).map((path) => [path, fileHash(this.host, path)]))
    const createdFiles = (change.creates ?? []).flatMap((dir) => filesIn(this.host, dir)).filter((file) => !filesBefore.has(file))
    const createdDirs = missingDirs.filter((dir) => this.host.isDirectory(dir))
    this.journal?.record({step, kind: 'command', argv: change.argv, exitCode: result.exitCode, durationMs, backups, left, ...(change.creates ? {createdFiles} : {}), ...(createdDirs.length > 0 ? {createdDirs} : {})})
    if (packagesBefore) {
      const after = installedPackages(this.host)
      if (after) this.journal?.record({step, kind: 'packages', installed: Object.keys(after).filter((name) => !(name in packagesBefore)).sort()})
    }
    if (result.failed) {
      if (this.stop.requested) throw new Interrupted(`during ${step}: ${displayArgv(change.argv)}`)
      const how = result.timedOut ? 'timed out' : `exited ${result.exitCode}`
      throw new StepFailure(`${displayArgv(change.argv)} ${how}`, outputTail(result))
    }
  }
}

/** The target's dpkg database (name → version); undefined where there is none: other package managers' installs are not recorded. */
function installedPackages(host: Host): Record<string, string> | undefined {
  const status = host.read(DPKG_STATUS)
  return status === undefined ? undefined : parseDpkgStatus(status)
}

/** Regular files directly in a directory, as target paths. */
function filesIn(host: Host, dir: string): string[] {
  return host.list(dir).map((name) => `${dir}/${name}`).filter((file) => host.kind(file) === 'file')
}

function samePlan(a: StepReport, b: StepReport): boolean {
  return a.status === b.status && a.changes.length === b.changes.length && a.changes.every((change, i) => sameChange(change, b.changes[i]))
}

function whatDiffers(shown: StepReport, now: StepReport, host: Host): string {
  const paths = new Set([...shown.changes, ...now.changes].flatMap((change) => (change.kind === 'file' ? [change.path] : [])))
  const changed = [...paths].filter((path) => {
    const was = fileChangeAt(shown, path)
    const is = fileChangeAt(now, path)
    return !was || !is || !sameChange(was, is)
  })
  return changed.length > 0 ? `files: ${changed.map((path) => host.display(path)).join(', ')}` : `shown: ${shown.status}, now: ${now.status}`
}

function fileChangeAt(report: StepReport, path: string): FileChange | undefined {
  return report.changes.find((change): change is FileChange => change.kind === 'file' && change.path === path)
}

/**
 * What the target's files cannot give (a root-only file, a FIFO or device where a file should be, a
 * dangling link) is a reason naming the path, not a crash.
 */
function asStepFailure(error: unknown): unknown {
  if (error instanceof HostPathError) return new StepFailure(error.message)
  const {code, path} = error as NodeJS.ErrnoException
  if (code === 'EACCES' || code === 'EPERM') return new StepFailure(`${path ?? 'a file'}: permission denied; run as root to plan this step`)
  return error
}

/** asStepFailure for a caller that reports failures and lets anything else through. */
function stepFailureOrThrow(error: unknown): StepFailure {
  const failure = asStepFailure(error)
  if (failure instanceof StepFailure) return failure
  throw failure
}

export function describeChange(change: Change): string {
  if (change.kind === 'command') return `run ${displayArgv(change.argv)}`
  if (change.kind === 'link') return change.target === null ? `remove link ${change.path}` : `link ${change.path} -> ${change.target}`
  return change.after === null ? `remove ${change.path}` : `write ${change.path}`
}

/** The re-plan without `once` commands this run just ran: their exit status already proved them. */
export function withoutDoneOnce(report: StepReport, applied: Change[]): StepReport {
  const changes = report.changes.filter((change) => !(change.kind === 'command' && change.once && applied.some((done) => sameChange(done, change))))
  if (changes.length === report.changes.length) return report
  return changes.length > 0 ? {...report, changes} : {...report, status: 'unchanged', changes}
}
