/** Shell-style glob (`*`, `?`, `[...]`) over one name, as netplan's match.name, networkd's Name= and ifupdown's `source` use it. */
export function globMatches(pattern: string, name: string): boolean {
  const source = pattern.replaceAll(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')
  return new RegExp(`^${source}$`).test(name)
}

export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern)
}
