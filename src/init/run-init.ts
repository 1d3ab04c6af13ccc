import {EXIT, UserError} from '../cli/errors.js'
import {profileFor} from '../distros/profile.js'
import {applySteps, type RendererKind} from '../engine/apply.js'
import {Engine} from '../engine/engine.js'
import type {StepReport} from '../engine/step.js'
import {Journal} from '../engine/journal.js'
import {planText, type StepView, viewSteps} from '../engine/render-plan.js'
import {gatherBlockFacts, gatherFacts} from '../facts/index.js'
import type {Facts} from '../facts/types.js'
import {ChrootRunner} from '../host/chroot.js'
import {Host} from '../host/host.js'
import {type CommandRunner, displayArgv, ExecaRunner} from '../host/runner.js'
import type {InitContext} from '../steps/context.js'
import {selectSteps} from '../steps/index.js'
import {type InitFlags, resolveOptions} from './options.js'
import {Prompter} from './prompter.js'

export interface InitRunFlags extends InitFlags {
  'dry-run': boolean
  yes: boolean
  only?: string[]
  skip?: string[]
  verbose: boolean
}

export interface InitDocument {
  mode: 'dry-run' | 'apply'
  root: string
  distro: {id: string; versionId: string | null; family: string}
  run: string | null
  result: 'planned' | 'ok' | 'failed' | 'cancelled'
  steps: StepView[]
}

/** init: facts → options → plan (dry run) or apply through listr2 → journal. Returns the JSON document. */
export async function runInit(host: Host, flags: InitRunFlags, json: boolean, print: (text: string) => void): Promise<InitDocument> {
  const facts = gatherFacts(host)
  const profile = profileFor(facts.distro)
  if (!facts.distro.supported || !profile) {
    throw new UserError(`${facts.distro.name} ${facts.distro.versionId ?? ''}`.trim() + `: ${facts.distro.supportNote}`, 'run `xensetup doctor` for what this host can do', EXIT.unsupported)
  }
  if (!flags['dry-run'] && host.isLive && process.getuid?.() !== 0) {
    throw new UserError('changing this machine needs root', 'run it with sudo, or look first with --dry-run', EXIT.notRoot)
  }
  const steps = selectSteps(flags.only, flags.skip)
  if (json && !flags['dry-run'] && !flags.yes && process.stdin.isTTY) {
    // On a terminal init asks before changing anything, but --json leaves stdout for the document alone.
    throw new UserError('--json cannot ask before applying', 'add --yes to apply without asking, or --dry-run to see the plan')
  }
  const prompter = json ? new Prompter(false) : Prompter.forTerminal(flags.yes)
  const machine = host.isLive ? host : new Host('/')
  const options = await resolveOptions(flags, facts, steps.map((s) => s.id), prompter, machine, !host.isLive)
  const log = flags.verbose ? (argv: string[]) => process.stderr.write(`$ ${displayArgv(argv)}\n`) : undefined
  const outer = new ExecaRunner(log)
  const runner: CommandRunner & {close?: () => Promise<void>} = host.isLive ? outer : new ChrootRunner(host, outer, new ExecaRunner(log))
  const journal = new Journal(host)
  // Facts are re-read for each plan: earlier steps change the host (packages bring units, grub.cfg).
  const contextFor = (): InitContext => ({host, machine, facts: withMachineDisks(gatherFacts(host), host, machine), profile, options, probe: runner})
  const engine = new Engine<InitContext>(host, runner, journal, contextFor)
  const document = (result: InitDocument['result'], run: string | null, views: StepView[]): InitDocument => ({
    mode: flags['dry-run'] ? 'dry-run' : 'apply',
    root: host.root,
    distro: {id: facts.distro.id, versionId: facts.distro.versionId, family: facts.distro.family},
    run,
    result,
    steps: views,
  })

  // Ctrl-C stops the running command; the run then ends like a failed step: journaled, chroot unmounted.
  let interrupted = false
  const interrupt = () => {
    interrupted = true
    outer.cancel()
  }
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)
  try {
    // Always plan first: a step that cannot be done as asked (a disk in use, an unbridgeable uplink)
    // stops the run before anything has changed, not after the packages went in.
    const plan = await engine.plan(steps)
    const planned = await viewSteps(plan)
    const unplannable = plan.find((r) => r.status === 'failed')
    if (!json && (flags['dry-run'] || prompter.interactive || unplannable)) print(planText(planned, flags['dry-run']))
    if (unplannable) {
      process.exitCode = exitCodeFor(unplannable)
      return document('failed', null, planned)
    }
    if (flags['dry-run']) return document('planned', null, planned)
    if (!planned.some((v) => v.status === 'pending')) {
      if (!json) print(resultText(planned, null))
      return document('ok', null, planned)
    }
    if (prompter.interactive && !(await prompter.confirm('Apply these changes?', false))) return document('cancelled', null, planned)
    const reports = await applySteps(engine, steps, rendererFor(json))
    const failed = reports.find((r) => r.status === 'failed')
    if (failed) process.exitCode = exitCodeFor(failed)
    const views = await viewSteps(reports)
    if (!json) print(resultText(views, journal.runId))
    return document(failed ? 'failed' : 'ok', journal.runId, views)
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    await runner.close?.()
    if (interrupted) process.exitCode = EXIT.interrupted
  }
}

/** Disks are the running machine's even with --root (a chroot shares them): safety checks look there. */
function withMachineDisks(facts: Facts, host: Host, machine: Host): Facts {
  return host === machine ? facts : {...facts, block: gatherBlockFacts(machine)}
}

/** A refusal (data or network at stake) is told apart from a breakage: exit 4 against 1. */
function exitCodeFor(failed: StepReport): number {
  return failed.refused ? EXIT.refused : EXIT.failure
}

function rendererFor(json: boolean): RendererKind {
  if (json) return 'silent'
  return process.stdout.isTTY ? 'default' : 'simple'
}

function resultText(views: StepView[], runId: string | null): string {
  const lines = views.map((v) => {
    const detail = v.error ?? v.state ?? v.reason ?? ''
    return `${v.status.padEnd(9)} ${v.id}${detail ? `: ${detail}` : ''}`
  })
  const failed = views.find((v) => v.status === 'failed')
  if (failed) lines.push(`init stopped at ${failed.id}. Changes so far are in /var/lib/xensetup/journal.jsonl (run ${runId}); fix the cause and re-run.`)
  else if (runId === null) lines.push('Nothing to do: the host is already configured.')
  else lines.push('init done. Reboot into Xen, then run `xensetup doctor`.')
  return `${lines.join('\n')}\n`
}
