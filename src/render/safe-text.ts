/**
 * Text from the target's files reaches the admin's terminal: control characters other than newline and
 * tab are shown escaped, so a file cannot move the cursor, recolour or retitle the terminal.
 */
export function safeText(text: string): string {
  return text.replaceAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}
