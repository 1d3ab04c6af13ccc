/** A line ending in `\` continues onto the next, in the shell and in interfaces(5) alike. */
export const CONTINUED = /\\\r?$/

/** Physical lines grouped into logical ones, raw, so an editor can write them back untouched. */
export function continuedLines(text: string): string[][] {
  if (text === '') return []
  const groups: string[][] = []
  let open: string[] | null = null
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (open) open.push(line)
    else groups.push((open = [line]))
    if (!CONTINUED.test(line)) open = null
  }
  return groups
}
