import type {KeptPlan, RunDocument} from '../engine/session.js'
import type {Host} from '../host/host.js'
import type {RunFlags} from '../init/prompter.js'
import {REPLAY} from './commands.js'
import {checkMadeFor, keptReports, type PlanCommand, readPlanFile} from './document.js'
import {type Drift, driftOf} from './reads.js'

const FACETS: Record<string, string> = {kind: 'what is there', list: 'its entries', link: 'where it links', owner: 'its mode or owner'}

export interface ApplyDocument extends RunDocument {
  plan: {file: string; digest: string; command: PlanCommand}
  /** What the plan read that reads differently now; empty when nothing drifted (or it was not checked). */
  drift: Drift[]
}

/**
 * `xensetup apply FILE`: the kept plan, unedited, for this version and this target, applied exactly as it
 * was made when nothing it read has changed since, and the target planned again must then be empty.
 */
export async function runApply(file: string, target: Host, flags: RunFlags, json: boolean, print: (text: string) => void, args: string[]): Promise<ApplyDocument> {
  const plan = readPlanFile(file)
  checkMadeFor(plan, target, file)
  let drift: Drift[] = []
  const kept: KeptPlan = {
    command: 'apply',
    steps: keptReports(plan),
    drift: () => {
      drift = driftOf(target, plan.reads)
      return drift.map((d) => (d.facet === 'content' ? target.display(d.path) : `${target.display(d.path)} (${FACETS[d.facet] ?? 'its first bytes'})`))
    },
  }
  const document = await REPLAY[plan.command](target, plan, flags, json, print, args, {kept})
  return {...document, plan: {file, digest: plan.digest, command: plan.command}, drift}
}
