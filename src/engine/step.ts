import type {Change, StepStatus} from './change.js'

/** What a step still needs to do: nothing to do is `{changes: []}`; not applicable here is a skip. */
export type StepPlan = {skip: string} | {changes: Change[]; state?: string}

/**
 * One init step. It states its desired state by computing, from the host as it is now, the changes
 * still needed; it never changes anything itself. Plans read state from files wherever that is exact, so a
 * converged host is confirmed without spawning anything.
 */
export interface Step<C> {
  id: string
  title: string
  plan(context: C): StepPlan | Promise<StepPlan>
}

export interface StepReport {
  id: string
  title: string
  status: StepStatus | 'pending'
  reason?: string
  /** What the step found or reached, e.g. "Xen 4.17.5 installed". */
  state?: string
  changes: Change[]
  error?: string
  /** The failure is a refusal to destroy data or cut the network, not a breakage. */
  refused?: boolean
  /** The failure is that the step no longer plans as shown: the target changed behind the run's back. */
  changedSincePlan?: true
}

/** A step that cannot reach its state, with what the admin should know (e.g. apt's last lines). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message)
  }
}

/** A step that will not act because acting could destroy data or cut the host off (exit code 4). */
export class StepRefusal extends StepFailure {}

/** The step no longer plans as it was shown, and not because of this run: nothing of it is applied. */
export class PlanChanged extends StepFailure {}

/** The report of a step that failed (or refused) while planning or applying, with the tool's output. */
export function failedReport(step: {id: string; title: string}, error: unknown): StepReport {
  const message = error instanceof Error ? error.message : String(error)
  const detail = error instanceof StepFailure && error.detail ? `\n${error.detail}` : ''
  return {id: step.id, title: step.title, status: 'failed', changes: [], error: message + detail, refused: error instanceof StepRefusal, ...(error instanceof PlanChanged ? {changedSincePlan: true as const} : {})}
}
