/** `text` as a regular expression source that matches exactly it: every character with a meaning escaped. */
export function literal(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
