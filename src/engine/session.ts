import {EXIT, UserError} from '../errors.js'
import {ChrootRunner} from '../host/chroot.js'
import {Host, type ReadRecorder} from '../host/host.js'
import {type CommandRunner, displayArgv, ExecaRunner, RefusingRunner} from '../host/runner.js'
import {applySteps, type RendererKind} from './apply.js'
import {describeChange, Engine, withoutDoneOnce} from './engine.js'
import {Journal} from './journal.js'
import {cleanLeftovers} from './leftovers.js'
import {LOCK, RunLock} from './lock.js'
import {planText, resultText, type StepView, viewSteps} from './render-plan.js'
import type {Step, StepReport} from './step.js'
import {StopSignal} from './stop.js'
import {safeText} from '../render/safe-text.js'
import {hideSecretArgs} from '../render/secrets.js'
import {VERSION} from '../version.js'

export type RunResult = 'planned' | 'ok' | 'failed' | 'cancelled' | 'interrupted'

/** What every run prints as JSON (a command adds its own fields). */
export interface RunDocument {
  mode: 'dry-run' | 'apply'
  root: string
  run: string | null
  result: RunResult
  /** What the run found and did outside its steps: a stale lock taken over, leftovers removed. */
  notices: string[]
  steps: StepView[]
}

/** A plan kept in a file (`--dry-run --out`), or applied from one (`xensetup apply`). */
export interface PlanHooks {
  /**
   * --out: every read from the facts to the last step's plan goes to the recorder, the plan to `planned`;
   * the command's prepare tells `madeFrom` its options as flags (answers at prompts included) and a few facts.
   */
  keep?: {recorder: ReadRecorder; planned: (shown: StepReport[]) => void; madeFrom: (flags: object, facts: Record<string, unknown>) => void}
  /** apply: this plan is shown and applied instead of a fresh one, exactly or not at all. */
  kept?: KeptPlan
}

export interface KeptPlan {
  /** How the journal and the lock name the run (apply), instead of the command whose steps it runs. */
  command: string
  steps: StepReport[]
  /** What the target no longer reads as when the plan was made, for a person; checked under the lock. */
  drift: () => string[]
}

export interface SessionRequest<C> {
  /** The command and its arguments, for the journal. */
  command: string
  args: string[]
  target: Host
  dryRun: boolean
  verbose: boolean
  json: boolean
  /** Asks on a terminal; undefined when nothing may be asked (--yes, no terminal, --json). */
  confirm?: (message: string, signal: AbortSignal) => Promise<boolean>
  print: (text: string) => void
  /** The last line of a run that applied everything: what to do next. */
  done: string
  /**
   * Facts, options and steps, read once the lock is held (the admin may be asked questions here).
   * `current`: a context read just now, which the plan shown uses instead of reading it again.
   */
  prepare: (session: Session) => Promise<{steps: Step<C>[]; contextFor: () => C; current?: C}>
  /** A rollback: the run it undoes, recorded in its run-start. */
  rollsBack?: string
  plan?: PlanHooks
}

/**
 * One run of a command that changes a target, from start to end: open the target and the local
 * machine, take the lock, plan, show, confirm, apply exactly the plan shown, journal, always clean up.
 * Commands supply only their steps and options.
 */
export class Session {
  readonly local: Host
  readonly stop = new StopSignal()
  readonly notices: string[] = []
  /** Runs commands on the target (inside the root, or live); a dry run has none that runs anything. */
  readonly runner: CommandRunner & {close?: () => Promise<void>}
  /** Read-only probes with the local machine's own tools: the local machine owns disks and NICs. */
  readonly probe: CommandRunner
  readonly journal: Journal | null
  private readonly lock: RunLock | null

  private constructor(
    readonly target: Host,
    readonly dryRun: boolean,
    verbose: boolean,
    command: string,
    args: string[],
    rollsBack?: string,
  ) {
    this.local = target.isLive ? target : new Host('/')
    const log = verbose ? (argv: string[]) => process.stderr.write(`${safeText(`$ ${displayArgv(argv)}`)}\n`) : undefined
    const outer = new ExecaRunner(log, this.stop.signal)
    this.probe = outer
    this.lock = dryRun ? null : new RunLock(target, this.local)
    this.journal = dryRun ? null : new Journal(target, undefined, {command, args: hideSecretArgs(args), version: VERSION, root: target.root, pid: process.pid, ...(rollsBack ? {rollsBack} : {})})
    if (dryRun) this.runner = new RefusingRunner('a dry run runs nothing on the target')
    else if (target.isLive) this.runner = outer
    else this.runner = new ChrootRunner(target, outer, (made) => this.lock?.noteMade(made))
  }

  static async run<C>(request: SessionRequest<C>): Promise<RunDocument> {
    const command = request.plan?.kept?.command ?? request.command
    const session = new Session(request.target, request.dryRun, request.verbose, command, request.args, request.rollsBack)
    const started = Date.now()
    session.stop.listen()
    let result: RunResult = 'failed'
    let stoppedAt: string | undefined
    try {
      session.open({...request, command})
      const document = await session.lifecycle(request)
      result = document.result
      stoppedAt = document.steps.find((step) => step.status === 'interrupted' || step.status === 'failed')?.id
      return document
    } finally {
      await session.cleanUp(() => {
        if (session.journal?.started) session.journal.record({kind: 'run-end', result, durationMs: Date.now() - started, ...(stoppedAt ? {stoppedAt} : {})})
      })
    }
  }

  /**
   * Every cleanup action runs whatever the others do: a journal that cannot be written must not leave
   * the lock behind. What fails is said on stderr, once, and does not replace the run's own result.
   */
  private async cleanUp(endJournal: () => void): Promise<void> {
    const problems: string[] = []
    const attempt = async (action: () => unknown) => {
      try {
        await action()
      } catch (error) {
        problems.push((error as Error).message)
      }
    }
    await attempt(() => this.runner.close?.())
    await attempt(endJournal)
    await attempt(() => this.lock?.release())
    await this.stop.settle()
    this.stop.unlisten()
    if (this.stop.requested) process.exitCode = EXIT.interrupted
    for (const problem of problems) process.stderr.write(`${safeText(`xensetup: while cleaning up: ${problem}`)}\n`)
  }

  /** Takes the lock (a real run) and cleans what a killed run left; the journal's start is written with its first entry. */
  private open(request: SessionRequest<unknown>): void {
    if (!this.lock) return
    if (this.target.isLive && process.getuid?.() !== 0) {
      throw new UserError('changing this machine needs root', 'run it with sudo, or look first with --dry-run', EXIT.notRoot)
    }
    const outcome = this.acquireLock(request.command)
    if ('held' in outcome) {
      const {pid, startedAt, command} = outcome.held
      throw new UserError(
        `another xensetup run holds ${this.target.display(LOCK)} (${command}, pid ${pid}, started ${startedAt})`,
        'wait for it to finish; one run per target at a time',
        EXIT.busy,
      )
    }
    if (outcome.stale) {
      const removed = cleanLeftovers(this.target, outcome.stale)
      this.journal?.record({kind: 'cleanup', removed, staleRun: {pid: outcome.stale.pid, startedAt: outcome.stale.startedAt}})
      this.notices.push(
        `took over the lock of a run that is gone (pid ${outcome.stale.pid}, started ${outcome.stale.startedAt})${removed.length > 0 ? `; removed what it left: ${removed.map((p) => this.target.display(p)).join(', ')}` : ''}`,
      )
    }
  }

  private acquireLock(command: string): ReturnType<RunLock['acquire']> {
    try {
      return (this.lock as RunLock).acquire(command)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const where = this.target.display(LOCK)
      if (code === 'EROFS') throw new UserError(`cannot take ${where}: the target is read-only`, 'mount it read-write to change it, or look with --dry-run', EXIT.usage)
      if (code === 'EACCES' || code === 'EPERM') throw new UserError(`cannot take ${where}: permission denied`, 'changing a target needs root: run it with sudo, or look first with --dry-run', EXIT.notRoot)
      throw error
    }
  }

  private async lifecycle<C>(request: SessionRequest<C>): Promise<RunDocument> {
    const kept = request.plan?.kept
    this.target.recorder = request.plan?.keep?.recorder ?? null
    let steps: Step<C>[]
    let engine: Engine<C>
    let shown: StepReport[]
    try {
      const prepared = await request.prepare(this)
      steps = prepared.steps
      engine = new Engine<C>(this.target, this.runner, this.journal, prepared.contextFor, this.stop)
      // Always plan first: a step that cannot be done as asked (a disk in use, an unbridgeable uplink)
      // stops the run before anything has changed, not after the packages went in. A kept plan was.
      shown = kept ? kept.steps : await engine.plan(steps, prepared.current)
    } finally {
      this.target.recorder = null
    }
    const document = (result: RunResult, views: StepView[], applied = false): RunDocument => ({
      mode: this.dryRun ? 'dry-run' : 'apply',
      root: this.target.root,
      run: applied ? (this.journal?.runId ?? null) : null,
      result,
      notices: this.notices,
      steps: views,
    })
    const show = (text: string) => {
      if (!request.json) request.print(text)
    }
    for (const notice of this.notices) show(`${safeText(`note: ${notice}`)}\n`)

    const planned = await viewSteps(shown, this.target)
    if (this.stop.requested) return document('interrupted', planned)
    const unplannable = shown.find((r) => r.status === 'failed')
    if (this.dryRun || request.confirm || unplannable) show(planText(planned, this.target, this.dryRun))
    if (unplannable) {
      process.exitCode = unplannable.refused ? EXIT.refused : EXIT.failure
      return document('failed', planned)
    }
    const drift = kept?.drift() ?? []
    if (drift.length > 0) {
      process.exitCode = EXIT.drift
      show(`${safeText(`Changed since the plan was made: ${drift.join(', ')}. Nothing was applied; make a new plan.`)}\n`)
      return document('failed', planned)
    }
    if (kept && this.dryRun) show('Nothing drifted: everything the plan read is as it was when the plan was made.\n')
    if (this.dryRun) {
      request.plan?.keep?.planned(shown)
      return document('planned', planned)
    }
    if (!planned.some((v) => v.status === 'pending')) {
      show(resultText(planned, null, this.target, request.done))
      return document('ok', planned)
    }
    this.needsRootFor(shown)
    const answer = request.confirm?.('Apply these changes?', this.stop.signal).catch((error) => {
      // SIGTERM while asking ends the question; Ctrl-C at the prompt itself is the prompt's own error.
      if (this.stop.requested) return false
      throw error
    })
    if (answer && !(await answer)) {
      return document(this.stop.requested ? 'interrupted' : 'cancelled', planned)
    }
    if (this.stop.requested) return document('interrupted', planned)
    const drifted = engine.drifted(shown)
    if (drifted.length > 0) {
      process.exitCode = kept ? EXIT.drift : EXIT.failure
      show(`${safeText(`Changed since the plan was shown: ${drifted.join(', ')}. Nothing was applied; ${kept ? 'make a new plan' : 'run again to see the new plan'}.`)}\n`)
      return document('failed', planned.map((view) => (view.changes.length > 0 ? {...view, status: 'failed', error: `changed since the plan was shown: ${drifted.join(', ')}`} : view)))
    }
    const onReplan = async (report: StepReport) => {
      const views = await viewSteps([report], this.target)
      show(`${report.id} was planned again after the earlier steps changed the target; applying:\n${planText(views, this.target, false, true)}`)
    }
    const reports = await applySteps(engine, steps, shown, rendererFor(request.json), onReplan)
    const views = await viewSteps(reports, this.target)
    const failed = reports.find((r) => r.status === 'failed')
    // A signal after the last change still ends the run as interrupted: exit code and result agree.
    await this.stop.settle()
    const interrupted = reports.some((r) => r.status === 'interrupted') || this.stop.requested !== null
    if (failed) process.exitCode = failed.refused ? EXIT.refused : kept && failed.changedSincePlan ? EXIT.drift : EXIT.failure
    const left = kept && !failed && !interrupted ? await leftAfter(engine, steps, reports) : []
    const unconverged = left.length > 0 ? `Not converged: planned again after applying, it still wants: ${left.join('; ')}` : null
    if (unconverged) {
      process.exitCode = EXIT.failure
      this.notices.push(unconverged)
    }
    show(resultText(views, this.journal?.runId ?? null, this.target, unconverged ?? request.done))
    return document(interrupted ? 'interrupted' : failed || unconverged ? 'failed' : 'ok', views, true)
  }

  /** Running commands in a root needs root (chroot, mounts): said before the first change. */
  private needsRootFor(shown: StepReport[]): void {
    if (process.getuid?.() === 0) return
    if (shown.some((report) => report.changes.some((change) => change.kind === 'command'))) {
      throw new UserError(`running the plan's commands inside ${this.target.root} needs root`, 'run it with sudo, or look first with --dry-run', EXIT.notRoot)
    }
  }
}

/**
 * A kept plan applied must leave nothing to do: every step planned again is empty. A `once` command this
 * run ran is proven by its exit status (a guest that already stopped), not by the re-plan.
 */
async function leftAfter<C>(engine: Engine<C>, steps: Step<C>[], reports: StepReport[]): Promise<string[]> {
  const ran = reports.flatMap((report) => report.changes)
  return (await engine.plan(steps)).flatMap((planned) => {
    const report = withoutDoneOnce(planned, ran)
    return report.status === 'failed' ? [`${report.id}: ${report.error}`] : report.changes.map((change) => `${report.id}: ${describeChange(change)}`)
  })
}

function rendererFor(json: boolean): RendererKind {
  if (json) return 'silent'
  return process.stdout.isTTY ? 'default' : 'simple'
}
