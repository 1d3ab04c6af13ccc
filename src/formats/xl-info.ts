/** `xl info` output: `key : value` lines (xen_commandline, total_memory, virt_caps, ...). */
export function parseXlInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^(\w+)\s*:\s?(.*)$/.exec(line)
    if (match) fields[match[1]] = match[2].trim()
  }
  return fields
}
