import type {Check, CheckInput, CheckResult} from './check.js'

/**
 * Runs the checks in order. A check whose dependency did not pass is skipped with that reason, so one
 * root cause shows once instead of as a cascade of failures.
 */
export function evaluate(checks: Check[], input: CheckInput): CheckResult[] {
  const results = new Map<string, CheckResult>()
  for (const check of checks) {
    const blocker = (check.dependsOn ?? []).map((id) => results.get(id)).find((r) => r && (r.status === 'fail' || r.status === 'skip' || blocks(r)))
    const outcome = blocker
      ? {status: 'skip' as const, detail: `needs ${blocker.id}: ${blocker.detail}`, fix: null}
      : check.run(input)
    results.set(check.id, {id: check.id, category: check.category, title: check.title, status: outcome.status, detail: outcome.detail, fix: outcome.fix ?? null})
  }
  return [...results.values()]
}

/** A warning that means "not there yet" (Xen not installed, not booted into Xen) blocks what depends on it. */
function blocks(result: CheckResult): boolean {
  return result.status === 'warn' && (result.id === 'xen.installed' || result.id === 'xen.running')
}
