import {EXIT, UserError} from '../errors.js'
import {openHost} from '../host/open.js'
import {gatherFacts} from '../facts/index.js'
import {bridgeNextBoot} from './bridge-next-boot.js'
import {Host} from '../host/host.js'
import {CATALOGUE} from './catalogue.js'
import type {Category} from './check.js'
import {evaluate} from './evaluate.js'
import {type DoctorReport, report, reportText} from './report.js'
import {hostState} from './state.js'

export interface DoctorFlags {
  root: string
  verbose: boolean
  explain?: string
}

export interface Explanation {
  id: string
  title: string
  category: Category
  explain: string
}

export interface DoctorOutcome {
  document: DoctorReport | Explanation
  /** What a person sees instead of the JSON document. */
  text: string
  exitCode: number
}

/** doctor's whole job, shared by the oclif command and the fast launcher: facts → checks → report. */
export async function runDoctor(flags: DoctorFlags): Promise<DoctorOutcome> {
  if (flags.explain !== undefined) return explain(flags.explain)
  const target = openHost(flags.root)
  // A run lock in a --root tree names a process of this machine.
  const facts = gatherFacts(target, target.isLive ? target : new Host('/'))
  const state = hostState(facts)
  // Under --root the tree's sysfs is no running network's.
  const document = report(facts, state, evaluate(CATALOGUE, {facts, state, bridgeNextBoot: target.isLive ? await bridgeNextBoot(target, facts) : null}))
  return {document, text: reportText(document, flags.verbose), exitCode: document.summary.fail > 0 ? EXIT.failure : EXIT.ok}
}

function explain(id: string): DoctorOutcome {
  const check = CATALOGUE.find((c) => c.id === id)
  if (!check) throw new UserError(`no check named ${id}`, `ids: ${CATALOGUE.map((c) => c.id).join(', ')}`)
  const document = {id: check.id, title: check.title, category: check.category, explain: check.explain}
  return {document, text: `${check.id}: ${check.title}\n\n${check.explain}\n`, exitCode: EXIT.ok}
}
