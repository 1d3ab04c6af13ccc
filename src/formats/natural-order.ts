/**
 * Numeric-aware ordering ("4.9" before "4.20", "vmlinuz-6.1.0-9" before "vmlinuz-6.1.0-10"): digit runs
 * compare as numbers, the rest by code unit. localeCompare's numeric collation does the same for these
 * names, but loading ICU's collator costs more than all of doctor's reading on a cold start.
 */
export function naturalOrder(a: string, b: string): number {
  const left = a.match(/\d+|\D+/g) ?? []
  const right = b.match(/\d+|\D+/g) ?? []
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i], right[i]]
    if (x === y) continue
    const numeric = /^\d/.test(x) && /^\d/.test(y)
    if (numeric && Number(x) !== Number(y)) return Number(x) - Number(y)
    return x < y ? -1 : 1
  }
  return left.length - right.length
}
