import {displayArgv} from '../host/runner.js'
import type {Change} from './change.js'
import type {StepReport} from './step.js'

export type ChangeView =
  | {kind: 'file'; path: string; action: 'create' | 'modify'; diff: string; why: string}
  | {kind: 'command'; argv: string[]; why: string}

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
export async function viewSteps(reports: StepReport[]): Promise<StepView[]> {
  const {createTwoFilesPatch} = await import('diff')
  const viewChange = (change: Change): ChangeView =>
    change.kind === 'command'
      ? {kind: 'command', argv: change.argv, why: change.why}
      : {
          kind: 'file',
          path: change.path,
          action: change.before === null ? 'create' : 'modify',
          diff: createTwoFilesPatch(
            change.before === null ? '/dev/null' : change.path,
            change.path,
            change.before ?? '',
            change.after,
            change.before === null ? '' : 'current',
            'planned',
          ),
          why: change.why,
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
export function planText(views: StepView[], dryRun: boolean): string {
  const out: string[] = []
  for (const step of views) {
    const mark = step.status === 'pending' ? '*' : step.status === 'failed' ? '!' : '-'
    out.push(`${mark} ${step.id}: ${step.title}${step.reason ? ` (${step.reason})` : ''}`)
    if (step.error) out.push(`    ${step.refused ? 'refused' : 'cannot plan'}: ${step.error}`)
    for (const change of step.changes) {
      if (change.kind === 'command') out.push(`    $ ${displayArgv(change.argv)}    # ${change.why}`)
      else out.push(`    ${change.action} ${change.path}    # ${change.why}`, indent(change.diff.trimEnd(), 6))
    }
  }
  const failed = views.filter((step) => step.status === 'failed')
  const pending = views.filter((step) => step.status === 'pending')
  const changes = pending.reduce((sum, step) => sum + step.changes.length, 0)
  if (failed.length > 0) out.push(`${failed.map((step) => step.id).join(', ')} cannot be done as asked: nothing will be applied until that is fixed.`)
  out.push(
    pending.length === 0
      ? 'Nothing to do: the host is already configured.'
      : `Plan: ${changes} change${changes === 1 ? '' : 's'} in ${pending.length} step${pending.length === 1 ? '' : 's'}.${dryRun ? ' Nothing was changed (dry run).' : ''}`,
  )
  return `${out.join('\n')}\n`
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces)
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n')
}
