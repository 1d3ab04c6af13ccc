/**
 * The `[Section]` / `Key=value` files of systemd-networkd and NetworkManager keyfiles. Sections keep their
 * lines verbatim (comments included, blank lines dropped) so a section can move to another file as it is.
 */
export interface IniSection {
  name: string
  lines: string[]
}

/** Sections in file order; lines before the first header (comments) belong to none. */
export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = []
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header) sections.push({name: header[1], lines: []})
    else if (line.trim() !== '' && sections.length > 0) sections[sections.length - 1].lines.push(line.trim())
  }
  return sections
}

/** Every value of `key` in the sections called `section`, in order (networkd repeats keys, e.g. Address=). */
export function iniValues(sections: IniSection[], section: string, key: string): string[] {
  return sections
    .filter((s) => s.name === section)
    .flatMap((s) => s.lines)
    .map((line) => /^([^=#;]+?)\s*=\s*(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === key)
    .map((match) => match[2].trim())
}

/** The last value of `key`: later assignments win in both formats. */
export function iniValue(sections: IniSection[], section: string, key: string): string | undefined {
  return iniValues(sections, section, key).at(-1)
}

/** Sections as text, one blank line between them, ready to place in a template. */
export function sectionsText(sections: IniSection[]): string {
  return sections.map((section) => [`[${section.name}]`, ...section.lines].join('\n')).join('\n\n')
}

/** `text` with `key=value` set in its `section`: the existing line replaced, else added at the section's end. */
export function withIniKey(text: string, section: string, key: string, value: string): string {
  const lines = text.replace(/\n$/, '').split('\n')
  let inSection = false
  let end = -1
  for (const [index, line] of lines.entries()) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line)
    if (header) {
      if (inSection) break
      inSection = header[1] === section
      if (inSection) end = index
      continue
    }
    if (!inSection) continue
    if (new RegExp(`^\\s*${key}\\s*=`).test(line)) {
      lines[index] = `${key}=${value}`
      return `${lines.join('\n')}\n`
    }
    if (line.trim() !== '') end = index
  }
  if (end === -1) lines.push('', `[${section}]`, `${key}=${value}`)
  else lines.splice(end + 1, 0, `${key}=${value}`)
  return `${lines.join('\n')}\n`
}
