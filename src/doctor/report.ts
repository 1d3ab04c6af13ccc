import {safeText} from '../render/safe-text.js'
import type {Facts} from '../facts/types.js'
import {CATEGORY_TITLES, type CheckResult, type CheckStatus, type HostState} from './check.js'
import {STATE_TITLES} from './state.js'

export interface DoctorReport {
  schemaVersion: '1.0'
  tool: 'xensetup'
  state: HostState
  facts: Facts
  checks: CheckResult[]
  summary: Record<CheckStatus, number> & {verdict: 'ok' | 'warnings' | 'failures'}
}

export function report(facts: Facts, state: HostState, checks: CheckResult[]): DoctorReport {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length
  const summary = {pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip')}
  const verdict = summary.fail > 0 ? 'failures' : summary.warn > 0 ? 'warnings' : 'ok'
  return {schemaVersion: '1.0', tool: 'xensetup', state, facts, checks, summary: {...summary, verdict}}
}

const MARKS: Record<CheckStatus, string> = {pass: '[PASS]', warn: '[WARN]', fail: '[FAIL]', skip: '[SKIP]'}

/** Checks grouped by category; problems with their fix and id (for --explain), passes on one line. */
export function reportText(doc: DoctorReport, verbose: boolean): string {
  const {facts} = doc
  const out = [`xensetup doctor: ${facts.distro.prettyName || facts.distro.id} · ${facts.cpu.vendor} CPU · ${STATE_TITLES[doc.state]}`, '']
  const categories = [...new Set(doc.checks.map((c) => c.category))]
  for (const category of categories) {
    out.push(CATEGORY_TITLES[category])
    for (const check of doc.checks.filter((c) => c.category === category)) {
      if (check.status === 'skip' && !verbose) continue
      out.push(`  ${MARKS[check.status]} ${check.title}: ${check.detail}${check.status === 'pass' ? '' : `  (${check.id})`}`)
      if (check.fix && (check.status === 'fail' || check.status === 'warn')) out.push(`         fix: ${check.fix}`)
    }
  }
  const s = doc.summary
  out.push('', `Summary: ${s.fail} failed, ${s.warn} warnings, ${s.pass} passed, ${s.skip} skipped.`)
  if (s.fail + s.warn > 0) out.push('Explain a check: xensetup doctor --explain <id>')
  // Names and details come from the target's files: escape what could drive the terminal.
  return `${safeText(out.join('\n'))}\n`
}
