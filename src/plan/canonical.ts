import {createHash} from 'node:crypto'

/**
 * JSON with every object's keys sorted, two-space indent and a final newline: two plans of the same
 * thing are byte-identical, and `diff plan1 plan2` shows only what differs.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortedKeys(value), null, 2)}\n`
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys)
  if (value === null || typeof value !== 'object') return value
  const object = value as Record<string, unknown>
  return Object.fromEntries(
    Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => [key, sortedKeys(object[key])]),
  )
}

export function sha256Of(data: string | Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/** The digest a plan carries: over the canonical text of everything in it but the digest itself. */
export function digestOf(document: Record<string, unknown>): string {
  const {digest: _ignored, ...rest} = document
  return sha256Of(canonicalJson(rest))
}
