/**
 * Just enough POSIX-shell word splitting for the sourced-by-shell config files xensetup reads
 * (os-release, /etc/default/grub*, grub.cfg command lines). Nothing is executed: command substitutions
 * (`...`, $(...)) are kept verbatim.
 */

import {CONTINUED, continuedLines} from './lines.js'

const compoundOpeners = new Set(['if', 'case', 'for', 'while', 'until'])
const compoundClosers = new Set(['fi', 'esac', 'done'])

/**
 * Splits one logical line into words, removing quotes. With `vars`, $NAME and ${NAME} are expanded from
 * it (unset names become empty); without, `$` stays literal (grub.cfg's `$menuentry_id_option`).
 * `;` is returned as a word of its own; an unquoted `#` at a word start ends the line.
 */
export function splitWords(line: string, vars?: Record<string, string>): string[] {
  const words: string[] = []
  let i = 0
  while (i < line.length) {
    const c = line[i]
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++
    } else if (c === '#') {
      break
    } else if (c === ';') {
      words.push(';')
      i++
    } else {
      const [word, end] = readWord(line, i, vars)
      words.push(word)
      i = end
    }
  }
  return words
}

function readWord(line: string, start: number, vars: Record<string, string> | undefined): [string, number] {
  let word = ''
  let i = start
  while (i < line.length) {
    const c = line[i]
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ';') break
    if (c === "'") {
      const close = line.indexOf("'", i + 1)
      const end = close === -1 ? line.length : close
      word += line.slice(i + 1, end)
      i = end + 1
    } else if (c === '"') {
      i++
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1])) {
          word += line[i + 1]
          i += 2
        } else if (line[i] === '$' || line[i] === '`') {
          const [text, end] = readDollarOrBacktick(line, i, vars)
          word += text
          i = end
        } else {
          word += line[i++]
        }
      }
      i++
    } else if (c === '\\') {
      word += line[i + 1] ?? ''
      i += 2
    } else if (c === '$' || c === '`') {
      const [text, end] = readDollarOrBacktick(line, i, vars)
      word += text
      i = end
    } else {
      word += c
      i++
    }
  }
  return [word, i]
}

/** Expands $NAME / ${NAME} when vars are given; copies command substitutions through unevaluated. */
function readDollarOrBacktick(line: string, start: number, vars: Record<string, string> | undefined): [string, number] {
  if (line[start] === '`') {
    const close = line.indexOf('`', start + 1)
    const end = close === -1 ? line.length : close + 1
    return [line.slice(start, end), end]
  }
  if (line[start + 1] === '(') {
    let depth = 0
    for (let i = start + 1; i < line.length; i++) {
      if (line[i] === '(') depth++
      else if (line[i] === ')' && --depth === 0) return [line.slice(start, i + 1), i + 1]
    }
    return [line.slice(start), line.length]
  }
  const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(line.slice(start))
  const plain = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(start))
  const match = braced ?? plain
  if (!match || !vars) {
    const literal = match ? match[0] : '$'
    return [literal, start + literal.length]
  }
  return [vars[match[1]] ?? '', start + match[0].length]
}

/** Joins backslash-newline continuations, as the shell does before splitting. */
function logicalLines(text: string): string[] {
  return continuedLines(text).map((group) => group.map((line, at) => (at < group.length - 1 ? line.replace(CONTINUED, '') : line)).join(''))
}

/**
 * The variables a shell would have after sourcing `text`, for the assignments that run unconditionally:
 * those inside if/case/loops/functions depend on runtime state and are skipped. `inherited` plays the
 * role of variables set by files sourced earlier (so `$GRUB_CMDLINE_LINUX` expands as it would).
 */
export function parseShellAssignments(text: string, inherited: Record<string, string> = {}): Record<string, string> {
  const vars = {...inherited}
  let depth = 0
  for (const line of logicalLines(text)) {
    let commandPosition = true
    for (const word of splitWords(line, vars)) {
      if (word === ';') {
        commandPosition = true
        continue
      }
      // A bare brace is a group or function body wherever it stands (`name() {`).
      if (word === '{' || (commandPosition && compoundOpeners.has(word))) depth++
      else if (word === '}' || (commandPosition && compoundClosers.has(word))) depth = Math.max(0, depth - 1)
      const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(word)
      if (commandPosition && assignment) {
        if (depth === 0) vars[assignment[1]] = assignment[2]
        continue
      }
      if (commandPosition && (word === 'export' || word === 'then' || word === 'do' || word === 'else')) continue
      commandPosition = false
    }
  }
  return vars
}

/**
 * The line where a quote opens that nothing closes, or null. A shell sourcing such a file stops with a
 * syntax error, so whatever sources it (grub-mkconfig) fails. Quotes may span lines; `#` starts a
 * comment only at the start of a word, and a backslash outside single quotes escapes the next character.
 */
export function unterminatedQuoteLine(text: string): number | null {
  let quote: string | null = null
  let openedAt = 0
  let line = 1
  let wordStart = true
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\n') line++
    if (c === '\\' && quote !== "'") {
      if (text[++i] === '\n') line++
    } else if (quote !== null) {
      if (c === quote) quote = null
    } else if (c === '#' && wordStart) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if (c === "'" || c === '"') {
      quote = c
      openedAt = line
    }
    wordStart = quote === null && /[\s;&|()]/.test(c)
  }
  return quote === null ? null : openedAt
}
