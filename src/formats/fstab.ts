/** One entry of /etc/fstab: the six whitespace-separated fields, comments and blanks excluded. */
export interface FstabEntry {
  line: number
  spec: string
  file: string
  vfstype: string
}

/** Parses fstab(5); a line with fewer than four fields is malformed (mount -a would reject it too). */
export function parseFstab(text: string): FstabEntry[] {
  const entries: FstabEntry[] = []
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fields = line.split(/\s+/)
    if (fields.length < 4 || fields.length > 6) throw new Error(`line ${index + 1} has ${fields.length} fields, fstab needs 4 to 6: "${line}"`)
    entries.push({line: index + 1, spec: fields[0], file: fields[1].replaceAll('\\040', ' '), vfstype: fields[2]})
  })
  return entries
}

/** Entries that already mount something at `file` (of the given type). */
export function fstabMountsAt(text: string, file: string, vfstype: string): string[] {
  return parseFstab(text)
    .filter((entry) => entry.file === file && entry.vfstype === vfstype)
    .map((entry) => entry.spec)
}
