/**
 * A setting that holds a password, in xl's config files: `vncpasswd = "..."` (HVM) and `vncpasswd=...`
 * inside a PV framebuffer's `vfb` string (up to the next comma, as libxl reads it), and SPICE's. Quoted
 * values may hold escaped quotes.
 */
const SECRET_SETTING = /\b((?:vnc|spice)passwd\s*=\s*)(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|([^,'"\n]*))/g

/** Flags whose value is a password: kept out of the journal, and so out of `history`. */
const SECRET_FLAGS = ['--vnc-password']

/** What stands for a password wherever one would be shown. */
export const HIDDEN = '<secret>'

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

/** A command line with the values of password flags (`--vnc-password PW`, `--vnc-password=PW`) hidden. */
export function hideSecretArgs(args: string[]): string[] {
  return args.map((arg, i) => {
    if (i > 0 && SECRET_FLAGS.includes(args[i - 1])) return HIDDEN
    const flag = SECRET_FLAGS.find((name) => arg.startsWith(`${name}=`))
    return flag ? `${flag}=${HIDDEN}` : arg
  })
}
