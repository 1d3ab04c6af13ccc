import type {Check, CheckInput, CheckResult} from './check.js'

/**
 * Runs the checks in order. A check whose dependency did not pass is skipped with that reason, so one
 * root cause shows once instead of as a cascade (no VT-x does not also report "no EPT").
 */
export function evaluate(checks: Check[], input: CheckInput): CheckResult[] {
  const results = new Map<string, CheckResult>()
  for (const check of checks) {
    const blocker = (check.dependsOn ?? []).map((id) => results.get(id)).find((r) => r !== undefined && r.status !== 'pass')
    const outcome = blocker ? {status: 'skip' as const, detail: `needs ${blocker.id}: ${blocker.detail}`, fix: null} : check.run(input)
    results.set(check.id, {id: check.id, category: check.category, title: check.title, status: outcome.status, detail: outcome.detail, fix: outcome.fix ?? null})
  }
  return [...results.values()]
}
