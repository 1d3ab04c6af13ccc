/**
 * A block of lines xensetup owns inside a file others own too (fstab, xl.conf): everything between
 * the markers is ours, every line outside them is left exactly as it was.
 */
export function markers(owner: string): {begin: string; end: string} {
  return {begin: `# BEGIN xensetup ${owner}`, end: `# END xensetup ${owner}`}
}

export class MalformedBlockError extends Error {}

/** The text with the owner's block holding exactly `body` (appended at the end when absent). */
export function withManagedBlock(text: string | null, owner: string, body: string): string {
  const {begin, end} = markers(owner)
  const block = [begin, ...body.replace(/\n$/, '').split('\n'), end]
  const lines = splitLines(text ?? '')
  const span = findBlock(lines, owner)
  if (span) lines.splice(span.start, span.end - span.start + 1, ...block)
  else lines.push(...block)
  // A file that ends without a newline keeps doing so, unless our block is what now ends it.
  const blockLast = span === undefined || span.end === splitLines(text ?? '').length - 1
  const newline = text === null || text === '' || text.endsWith('\n') || blockLast ? '\n' : ''
  return `${lines.join('\n')}${newline}`
}

function findBlock(lines: string[], owner: string): {start: number; end: number} | undefined {
  const {begin, end} = markers(owner)
  const start = lines.findIndex((line) => line.trim() === begin)
  const stop = lines.findIndex((line) => line.trim() === end)
  if (start === -1 && stop === -1) return undefined
  if (start === -1 || stop === -1 || stop < start) {
    throw new MalformedBlockError(`the "${begin}" / "${end}" markers are unpaired`)
  }
  if (lines.slice(stop + 1).some((line) => line.trim() === begin)) {
    throw new MalformedBlockError(`"${begin}" appears more than once`)
  }
  return {start, end: stop}
}

function splitLines(text: string): string[] {
  if (text === '') return []
  return text.replace(/\n$/, '').split('\n')
}

/** The text without the owner's block (markers included), every other line as it was; unchanged without one. */
export function withoutManagedBlock(text: string, owner: string): string {
  const lines = splitLines(text)
  const span = findBlock(lines, owner)
  if (!span) return text
  lines.splice(span.start, span.end - span.start + 1)
  return lines.length === 0 ? '' : `${lines.join('\n')}${text.endsWith('\n') ? '\n' : ''}`
}
