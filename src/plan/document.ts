import {readFileSync} from 'node:fs'
import type {Change, CommandChange, FileChange, LinkChange} from '../engine/change.js'
import {type ChangeView, viewSteps} from '../engine/render-plan.js'
import type {StepReport} from '../engine/step.js'
import {EXIT, UserError} from '../errors.js'
import type {Host} from '../host/host.js'
import {VERSION} from '../version.js'
import {digestOf, sha256Of} from './canonical.js'
import type {Reads} from './reads.js'

export const PLAN_FORMAT = 'xensetup-plan/1' as const
const PLAN_COMMANDS = ['init', 'guest create'] as const
export type PlanCommand = (typeof PLAN_COMMANDS)[number]

export type FlagValue = string | number | boolean | string[] | null

/** A plan as kept in its file: everything `apply` needs, and everything a reviewer wants to see. */
export interface PlanDocument {
  format: typeof PLAN_FORMAT
  command: PlanCommand
  version: string
  /** The root as resolved, and a hash of /etc/machine-id ("none" without one): the same tree on the same machine. */
  target: {root: string; machineId: string}
  createdAt: string
  /** The command's arguments (a guest's name). */
  arguments: Record<string, string>
  /** Every option as the flag that gives it, answers at prompts included: apply asks nothing. */
  flags: Record<string, FlagValue>
  facts: Record<string, unknown>
  steps: KeptStep[]
  reads: Reads
  digest: string
}

interface KeptStep {
  id: string
  title: string
  status: StepReport['status']
  reason: string | null
  state: string | null
  changes: KeptChange[]
}

type KeptFile = Omit<FileChange, 'encoding' | 'mode' | 'secret'> & {
  action: 'create' | 'modify' | 'remove'
  encoding: 'utf8' | 'latin1'
  /** Octal, for a new file; null keeps the existing file's. */
  mode: string | null
  secret: boolean
  sha256: {before: string | null; after: string | null}
  diff: string
}
type KeptCommand = Omit<CommandChange, 'env' | 'timeoutMs' | 'rewrites' | 'installs' | 'once'> & {
  env: Record<string, string> | null
  timeoutMs: number | null
  rewrites: string[]
  installs: boolean
  once: boolean
}
type KeptChange = KeptFile | KeptCommand | LinkChange

interface PlanMeta {
  command: PlanCommand
  arguments: Record<string, string>
  flags: Record<string, FlagValue>
  facts: Record<string, unknown>
}

/** The plan a dry run showed, with what it was made from, as the document to keep. */
export async function planDocument(target: Host, meta: PlanMeta, shown: StepReport[], reads: Reads, now = new Date()): Promise<PlanDocument> {
  const views = await viewSteps(shown, target)
  const steps = shown.map((report, i): KeptStep => ({
    id: report.id,
    title: report.title,
    status: report.status,
    reason: report.reason ?? null,
    state: report.state ?? null,
    changes: report.changes.map((change, j) => keptChange(change, views[i].changes[j])),
  }))
  const body = {format: PLAN_FORMAT, ...meta, version: VERSION, target: targetOf(target), createdAt: now.toISOString(), steps, reads}
  return {...body, digest: digestOf(body)}
}

function keptChange(change: Change, view: ChangeView): KeptChange {
  if (change.kind === 'link') return change
  if (change.kind === 'command') {
    return {...change, env: change.env ?? null, timeoutMs: change.timeoutMs ?? null, rewrites: change.rewrites ?? [], installs: change.installs ?? false, once: change.once ?? false}
  }
  const encoding = change.encoding ?? 'utf8'
  const hash = (text: string | null) => (text === null ? null : sha256Of(Buffer.from(text, encoding)))
  return {
    ...change,
    action: view.kind === 'file' ? view.action : 'modify',
    encoding,
    mode: change.mode === undefined ? null : `0${change.mode.toString(8)}`,
    secret: change.secret ?? false,
    sha256: {before: hash(change.before), after: hash(change.after)},
    diff: view.kind === 'file' ? view.diff : '',
  }
}

/** The steps as the engine compares and applies them. */
export function keptReports(plan: PlanDocument): StepReport[] {
  return plan.steps.map((step) => ({
    id: step.id,
    title: step.title,
    status: step.status,
    ...(step.reason === null ? {} : {reason: step.reason}),
    ...(step.state === null ? {} : {state: step.state}),
    changes: step.changes.map(engineChange),
  }))
}

function engineChange(change: KeptChange): Change {
  if (change.kind === 'link') return change
  if (change.kind === 'command') {
    const {env, timeoutMs, installs, once, ...rest} = change
    return {...rest, ...(env === null ? {} : {env}), ...(timeoutMs === null ? {} : {timeoutMs}), ...(installs ? {installs: true} : {}), ...(once ? {once: true} : {})}
  }
  const {action: _action, sha256: _sha256, diff: _diff, encoding, mode, secret, ...rest} = change
  return {...rest, encoding, ...(mode === null ? {} : {mode: Number.parseInt(mode, 8)}), ...(secret ? {secret: true} : {})}
}

/** Which tree on which machine: a plan for one is not applied to another. */
function targetOf(host: Host): PlanDocument['target'] {
  const id = host.readFile('/etc/machine-id')
  return {root: host.root, machineId: id === undefined ? 'none' : sha256Of(Buffer.from(id.text, id.encoding))}
}

/** The plan file read back: a plan file, unedited (its digest), or a refusal naming it. */
export function readPlanFile(file: string): PlanDocument {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UserError(`cannot read plan file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give the file `--dry-run --out FILE` wrote')
  }
  let plan: PlanDocument
  try {
    plan = JSON.parse(text)
  } catch {
    throw new UserError(`${file} is not a xensetup plan file (not JSON)`, 'give the file `--dry-run --out FILE` wrote')
  }
  if (plan === null || typeof plan !== 'object' || plan.format !== PLAN_FORMAT) {
    throw new UserError(`${file} is not a xensetup plan file (format ${JSON.stringify(plan?.format ?? null)}, expected "${PLAN_FORMAT}")`, 'give the file `--dry-run --out FILE` wrote')
  }
  if (plan.digest !== digestOf(plan as unknown as Record<string, unknown>)) {
    throw new UserError(`${file} was edited after it was made: its digest does not match its content`, 'a plan is applied only as it was made and reviewed: make a new one with --dry-run --out', EXIT.drift)
  }
  if (!PLAN_COMMANDS.includes(plan.command) || !Array.isArray(plan.steps) || typeof plan.reads !== 'object' || typeof plan.flags !== 'object' || typeof plan.target?.root !== 'string') {
    throw new UserError(`${file} is not a plan this xensetup can apply (command ${JSON.stringify(plan.command)})`, 'make a new plan with --dry-run --out')
  }
  return plan
}

/** A plan made by another version, for another tree or another machine is refused before anything is read. */
export function checkMadeFor(plan: PlanDocument, target: Host, file: string): void {
  if (plan.version !== VERSION) {
    throw new UserError(`${file} was made by xensetup ${plan.version}; this is xensetup ${VERSION}`, 'plans are applied by the version that made them: make a new plan with this one', EXIT.drift)
  }
  const here = targetOf(target)
  if (plan.target.root !== here.root) {
    const flag = plan.target.root === '/' ? 'leave --root out' : `give --root ${plan.target.root}`
    throw new UserError(`${file} was made for ${plan.target.root === '/' ? 'this machine' : `--root ${plan.target.root}`}, not ${here.root === '/' ? 'this machine' : `--root ${here.root}`}`, `${flag}, or make a new plan for this target`, EXIT.drift)
  }
  if (plan.target.machineId !== here.machineId) {
    throw new UserError(`${file} was made for another machine: ${target.display('/etc/machine-id')} differs`, 'make a new plan on this machine', EXIT.drift)
  }
}
