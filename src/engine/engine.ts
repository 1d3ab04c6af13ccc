import {writeAtomic} from '../host/atomic-write.js'
import type {Host} from '../host/host.js'
import {type CommandRunner, displayArgv, outputTail} from '../host/runner.js'
import type {Change, CommandChange, FileChange} from './change.js'
import type {Journal} from './journal.js'
import {failedReport, type Step, StepFailure, type StepPlan, type StepReport} from './step.js'

export const ALREADY_CONFIGURED = 'already configured'
const MAX_ROUNDS = 3

/**
 * The one place that plans, applies and journals. Steps are planned against the host as it is at
 * that moment, so a later step sees what an earlier one changed (e.g. packages before the boot entry).
 */
export class Engine<C> {
  constructor(
    private readonly host: Host,
    private readonly runner: CommandRunner,
    private readonly journal: Journal,
    /** Fresh context per step: facts are re-read after earlier steps changed the host. */
    private readonly contextFor: () => C,
  ) {}

  /** What each step would change now; writes nothing and runs nothing that changes the host. */
  async plan(steps: Step<C>[]): Promise<StepReport[]> {
    const reports: StepReport[] = []
    for (const step of steps) {
      try {
        reports.push(await this.planStep(step))
      } catch (error) {
        if (!(error instanceof StepFailure)) throw error
        reports.push(failedReport(step, error))
      }
    }
    return reports
  }

  async planStep(step: Step<C>): Promise<StepReport> {
    const base = {id: step.id, title: step.title}
    let plan: StepPlan
    try {
      plan = await step.plan(this.contextFor())
    } catch (error) {
      throw asPermissionFailure(error)
    }
    if ('skip' in plan) return {...base, status: 'skipped', reason: plan.skip, changes: []}
    const state = plan.state === undefined ? {} : {state: plan.state}
    if (plan.changes.length === 0) return {...base, ...state, status: 'unchanged', reason: ALREADY_CONFIGURED, changes: []}
    return {...base, ...state, status: 'pending', changes: plan.changes}
  }

  /**
   * Applies a step until its plan is empty: a command's effect (grub.cfg generated, a package's files)
   * can reveal what is left to do, e.g. the Xen entry's id to make default. The empty re-plan is the
   * proof that the step converged; one that still wants changes after MAX_ROUNDS fails.
   */
  async applyStep(step: Step<C>, onChange: (change: Change) => void = () => {}): Promise<StepReport> {
    const first = await this.planStep(step)
    if (first.status !== 'pending') return first
    const applied: Change[] = []
    let latest = first
    for (let round = 0; latest.changes.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new StepFailure(`${step.id} did not converge; still wants: ${latest.changes.map(describeChange).join('; ')}`)
      }
      for (const change of latest.changes) {
        onChange(change)
        if (change.kind === 'file') this.applyFile(step.id, change)
        else await this.applyCommand(step.id, change)
        applied.push(change)
      }
      latest = await this.planStep(step)
      if (latest.status === 'skipped') throw new StepFailure(`${step.id} became inapplicable while applying: ${latest.reason}`)
    }
    return {...latest, status: 'changed', reason: undefined, changes: applied}
  }

  private applyFile(step: string, change: FileChange): void {
    const current = this.host.read(change.path) ?? null
    if (current !== change.before) {
      throw new StepFailure(`${change.path} changed while xensetup was planning; re-run to plan again`)
    }
    const backup = this.journal.backup(change.path)
    const ownership = this.host.owner(change.path) ?? {
      mode: change.mode ?? 0o644,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
    }
    writeAtomic(this.host.real(change.path), change.after, ownership)
    this.journal.record({step, kind: 'file', path: change.path, backup, created: current === null})
  }

  private async applyCommand(step: string, change: CommandChange): Promise<void> {
    const result = await this.runner.run(change.argv, {env: change.env, timeoutMs: change.timeoutMs})
    this.journal.record({step, kind: 'command', argv: change.argv, exitCode: result.exitCode})
    if (result.failed) {
      const how = result.timedOut ? 'timed out' : `exited ${result.exitCode}`
      throw new StepFailure(`${displayArgv(change.argv)} ${how}`, outputTail(result))
    }
  }
}

/** A file only root may read (netplan and NetworkManager keep theirs 0600) is a reason, not a crash. */
function asPermissionFailure(error: unknown): unknown {
  const {code, path} = error as NodeJS.ErrnoException
  if (code === 'EACCES' || code === 'EPERM') return new StepFailure(`${path ?? 'a file'}: permission denied; run as root to plan this step`)
  return error
}

export function describeChange(change: Change): string {
  return change.kind === 'file' ? `write ${change.path}` : `run ${displayArgv(change.argv)}`
}
