export type XlValue = string | number | Array<string | number>

export type Autoballoon = 'on' | 'off' | 'auto'

type Token = {kind: 'newline' | '=' | '+=' | '[' | ']' | ','} | {kind: 'string'; value: string} | {kind: 'atom'; value: string}

/**
 * The xl config syntax shared by xl.conf and guest configs (xl.cfg(5), libxlu): `KEY = VALUE` settings
 * separated by newlines or `;`, values being quoted strings, numbers or `[ ... ]` lists that may span
 * lines; `#` comments. `+=` appends to a list. Malformed settings are skipped, not fatal.
 */
export function parseXlConfig(text: string): Record<string, XlValue> {
  const tokens = tokenize(text)
  const settings: Record<string, XlValue> = {}
  let i = 0
  const skipLine = () => {
    while (i < tokens.length && tokens[i].kind !== 'newline') i++
  }
  while (i < tokens.length) {
    const key = tokens[i]
    const operator = tokens[i + 1]
    if (key.kind !== 'atom' || (operator?.kind !== '=' && operator?.kind !== '+=')) {
      if (key.kind !== 'newline') skipLine()
      i++
      continue
    }
    i += 2
    const value = readValue()
    const previous = settings[key.value]
    if (operator.kind === '+=' && Array.isArray(previous) && Array.isArray(value)) settings[key.value] = [...previous, ...value]
    else if (value !== undefined) settings[key.value] = value
    skipLine()
  }
  return settings

  function readValue(): XlValue | undefined {
    const token = tokens[i]
    if (token?.kind === 'string' || token?.kind === 'atom') {
      i++
      return token.kind === 'string' ? token.value : scalar(token.value)
    }
    if (token?.kind !== '[') return undefined
    i++
    const items: Array<string | number> = []
    while (i < tokens.length && tokens[i].kind !== ']') {
      const item = tokens[i++]
      if (item.kind === 'string') items.push(item.value)
      else if (item.kind === 'atom') items.push(scalar(item.value))
    }
    i++
    return items
  }
}

function scalar(atom: string): string | number {
  return /^(0x[0-9a-f]+|\d+)$/i.test(atom) ? Number(atom) : atom
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '\n' || c === ';') {
      tokens.push({kind: 'newline'})
      i++
    } else if (c === '=' || c === '[' || c === ']' || c === ',') {
      tokens.push({kind: c})
      i++
    } else if (c === '"' || c === "'") {
      let value = ''
      i++
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        value += text[i++]
      }
      i++
      tokens.push({kind: 'string', value})
    } else if (/\s/.test(c)) {
      i++
    } else if (c === '+' && text[i + 1] === '=') {
      tokens.push({kind: '+='})
      i += 2
    } else {
      const start = i
      while (i < text.length && !/[\s=[\],;#'"]/.test(text[i])) i++
      tokens.push({kind: 'atom', value: text.slice(start, i)})
    }
  }
  return tokens
}

/** A device spec string from a list (`'mac=00:16:3e:..,bridge=xenbr0'`) as key/value pairs. */
export function parseDeviceSpec(spec: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const part of spec.split(',')) {
    const equals = part.indexOf('=')
    if (equals > 0) fields[part.slice(0, equals).trim()] = part.slice(equals + 1).trim()
  }
  return fields
}

/** xl.conf `autoballoon`: "on"/"off"/"auto", or 1/0 in older configs. */
export function parseAutoballoon(value: XlValue | undefined): Autoballoon | null {
  if (value === 'on' || value === 1 || value === '1') return 'on'
  if (value === 'off' || value === 0 || value === '0') return 'off'
  if (value === 'auto') return 'auto'
  return null
}

/**
 * Whether xl can read the value back as written in a quoted string: libxlu has no escape every Xen
 * version agrees on, so quotes, backslashes and control characters are refused rather than escaped.
 */
export function xlQuotable(value: string): boolean {
  return !/["'\\\p{Cc}]/u.test(value)
}

export function xlString(value: string): string {
  if (!xlQuotable(value)) throw new Error(`${JSON.stringify(value)} cannot be written as an xl string`)
  return `"${value}"`
}
