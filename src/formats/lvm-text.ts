/**
 * LVM's text format, shared by lvm.conf and the metadata backups LVM writes to <backup_dir>/<vg>:
 * `key = value` (string, number or [list]), `section { ... }`, # comments.
 */
export type LvmValue = string | number | LvmValue[] | LvmSection
export interface LvmSection {
  [key: string]: LvmValue
}

// Whitespace and comments are matched so they can be skipped; a # inside a string is part of the string.
const TOKEN = /\s+|#[^\n]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[{}[\]=,]|[^\s{}[\]=,#"']+/y
const PUNCTUATION = new Set(['{', '}', '[', ']', '=', ','])

export function parseLvmText(text: string): LvmSection {
  return new Parser(tokenize(text)).document()
}

/** The section at a path of keys, e.g. ['backup'] or [vgName, 'physical_volumes']. */
export function sectionAt(root: LvmSection, keys: string[]): LvmSection | undefined {
  let node: LvmValue | undefined = root
  for (const key of keys) node = isSection(node) ? node[key] : undefined
  return isSection(node) ? node : undefined
}

export function isSection(value: LvmValue | undefined): value is LvmSection {
  return typeof value === 'object' && !Array.isArray(value)
}

interface Token {
  text: string
  quoted: boolean
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex
    const match = TOKEN.exec(text)
    if (!match) throw new Error(`unterminated string at line ${lineOf(text, at)}`)
    const token = match[0]
    if (/^\s/.test(token) || token.startsWith('#')) continue
    const quoted = token.startsWith('"') || token.startsWith("'")
    tokens.push({text: quoted ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token, quoted})
  }
  return tokens
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length
}

class Parser {
  private at = 0

  constructor(private readonly tokens: Token[]) {}

  document(): LvmSection {
    const section = this.entries()
    if (this.at < this.tokens.length) throw new Error(`unexpected "${this.tokens[this.at].text}"`)
    return section
  }

  /** key = value and key { ... } until a closing brace or the end. */
  private entries(): LvmSection {
    const section: LvmSection = {}
    for (let token = this.peek(); token && !(token.text === '}' && !token.quoted); token = this.peek()) {
      const key = this.word()
      const next = this.take()
      if (next?.text === '{' && !next.quoted) {
        section[key] = this.entries()
        this.expect('}')
      } else if (next?.text === '=' && !next.quoted) {
        section[key] = this.value()
      } else {
        throw new Error(`expected = or { after "${key}"`)
      }
    }
    return section
  }

  private value(): LvmValue {
    const token = this.take()
    if (!token) throw new Error('value missing at the end')
    if (token.quoted) return token.text
    if (token.text === '[') return this.list()
    if (PUNCTUATION.has(token.text)) throw new Error(`unexpected "${token.text}" where a value belongs`)
    return /^-?\d+(\.\d+)?$/.test(token.text) ? Number(token.text) : token.text
  }

  private list(): LvmValue[] {
    const items: LvmValue[] = []
    while (!this.accept(']')) {
      if (items.length > 0) this.expect(',')
      items.push(this.value())
    }
    return items
  }

  private word(): string {
    const token = this.take()
    if (!token || token.quoted || PUNCTUATION.has(token.text)) throw new Error(`expected a name, found "${token?.text ?? 'the end'}"`)
    return token.text
  }

  private expect(text: string): void {
    if (!this.accept(text)) throw new Error(`expected "${text}", found "${this.peek()?.text ?? 'the end'}"`)
  }

  private accept(text: string): boolean {
    const token = this.peek()
    if (!token || token.quoted || token.text !== text) return false
    this.at++
    return true
  }

  private peek(): Token | undefined {
    return this.tokens[this.at]
  }

  private take(): Token | undefined {
    return this.tokens[this.at++]
  }
}
