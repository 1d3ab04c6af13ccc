/**
 * A setting that holds a password, in xl's config files: `vncpasswd = "..."` (HVM) and `vncpasswd=...`
 * inside a PV framebuffer's `vfb` string, and SPICE's. The value is the quoted string or the bare word.
 */
const SECRET_SETTING = /\b((?:vnc|spice)passwd\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s,'"\]]+))/g

/**
 * The texts of a file before and after a change, for showing (plans, results, --json, a refused
 * rollback's diff): each password replaced by `<secret N>`, numbered by distinct value across both, so a
 * changed password still shows as a changed line and an unchanged one as no change at all.
 */
export function hideSecrets(before: string, after: string): [string, string] {
  const labels = new Map<string, string>()
  const label = (value: string) => {
    if (!labels.has(value)) labels.set(value, `<secret ${labels.size + 1}>`)
    return labels.get(value) as string
  }
  const hide = (text: string) =>
    text.replaceAll(SECRET_SETTING, (_match, key: string, double?: string, single?: string, bare?: string) => {
      if (double !== undefined) return `${key}"${label(double)}"`
      if (single !== undefined) return `${key}'${label(single)}'`
      return `${key}${label(bare as string)}`
    })
  return [hide(before), hide(after)]
}
