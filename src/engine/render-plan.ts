import type {Host} from '../host/host.js'
import {displayArgv} from '../host/runner.js'
import type {Change} from './change.js'
import {JOURNAL} from './journal.js'
import {safeText} from '../render/safe-text.js'
import {hideSecrets} from '../render/secrets.js'
import type {StepReport} from './step.js'

export type ChangeView =
  | {kind: 'file'; path: string; action: 'create' | 'modify' | 'remove'; diff: string; why: string}
  | {kind: 'command'; argv: string[]; why: string}
  | {kind: 'link'; path: string; before: string | null; target: string | null; why: string}

export interface StepView {
  id: string
  title: string
  status: StepReport['status']
  reason: string | null
  state: string | null
  changes: ChangeView[]
  error: string | null
  refused: boolean
}

/** The plan or result as JSON-ready data: file changes as unified diffs, commands as argv. */
export async function viewSteps(reports: StepReport[], target: Host): Promise<StepView[]> {
  const {createTwoFilesPatch} = await import('diff')
  const viewChange = (change: Change): ChangeView => {
    if (change.kind === 'command') return {kind: 'command', argv: change.argv, why: change.why}
    if (change.kind === 'link') return {kind: 'link', path: change.path, before: change.before, target: change.target, why: change.why}
    const shown = target.display(change.path)
    const action = change.before === null ? 'create' : change.after === null ? 'remove' : 'modify'
    const [before, after] = hideSecrets(change.before ?? '', change.after ?? '')
    return {
      kind: 'file',
      path: change.path,
      action,
      diff: createTwoFilesPatch(change.before === null ? '/dev/null' : shown, change.after === null ? '/dev/null' : shown, before, after, change.before === null ? '' : 'current', 'planned'),
      why: change.why,
    }
  }
  return reports.map((report) => ({
    id: report.id,
    title: report.title,
    status: report.status,
    reason: report.reason ?? null,
    state: report.state ?? null,
    changes: report.changes.map(viewChange),
    error: report.error ?? null,
    refused: report.refused ?? false,
  }))
}

/** The plan for a person: per step its diffs and the exact commands, then a count. */
export function planText(views: StepView[], target: Host, dryRun: boolean, replanned = false): string {
  const out: string[] = target.isLive || replanned ? [] : [`Target: ${target.root} (a root file system, not this machine)`]
  for (const step of views) {
    const mark = step.status === 'pending' ? '*' : step.status === 'failed' ? '!' : '-'
    out.push(`${mark} ${step.id}: ${step.title}${step.reason ? ` (${step.reason})` : ''}`)
    if (step.error) out.push(`    ${step.refused ? 'refused' : 'cannot plan'}: ${step.error}`)
    for (const change of step.changes) {
      if (change.kind === 'command') out.push(`    $ ${displayArgv(change.argv)}    # ${change.why}`)
      else if (change.kind === 'link') out.push(`    ${linkAction(change)} ${target.display(change.path)}${change.target === null ? '' : ` -> ${change.target}`}    # ${change.why}`)
      else out.push(`    ${change.action} ${target.display(change.path)}    # ${change.why}`, indent(change.diff.trimEnd(), 6))
    }
  }
  if (replanned) return `${safeText(out.join('\n'))}\n`
  const failed = views.filter((step) => step.status === 'failed')
  const pending = views.filter((step) => step.status === 'pending')
  const changes = pending.reduce((sum, step) => sum + step.changes.length, 0)
  if (failed.length > 0) out.push(`${failed.map((step) => step.id).join(', ')} cannot be done as asked: nothing will be applied until that is fixed.`)
  else if (pending.length === 0) out.push('Nothing to do: the host is already configured.')
  else out.push(`Plan: ${changes} change${changes === 1 ? '' : 's'} in ${pending.length} step${pending.length === 1 ? '' : 's'}.${dryRun ? ' Nothing was changed (dry run).' : ''}`)
  return `${safeText(out.join('\n'))}\n`
}

/** After applying: a line per step, then where the run is journaled or what to do next. */
export function resultText(views: StepView[], runId: string | null, target: Host, done: string): string {
  const lines = views.map((v) => {
    const detail = v.error ?? v.state ?? v.reason ?? ''
    return `${v.status.padEnd(11)} ${v.id}${detail ? `: ${detail}` : ''}`
  })
  const stopped = views.find((v) => v.status === 'failed' || v.status === 'interrupted')
  const journal = target.display(JOURNAL)
  if (stopped?.status === 'interrupted') lines.push(`Interrupted in ${stopped.id}, before its next change. What was done is in ${journal} (run ${runId}); run again to finish.`)
  else if (stopped) lines.push(`Stopped at ${stopped.id}. Changes so far are in ${journal} (run ${runId}); fix the cause and run again.`)
  else if (runId === null) lines.push('Nothing to do: the host is already configured.')
  else lines.push(done)
  return `${safeText(lines.join('\n'))}\n`
}

function linkAction(change: {before: string | null; target: string | null}): string {
  if (change.target === null) return 'remove link'
  return change.before === null ? 'link' : 'relink'
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces)
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n')
}
