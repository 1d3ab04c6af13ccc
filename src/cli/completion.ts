/**
 * Shell completion for bash and zsh, generated from oclif's manifest. The script is static: completing a
 * word never runs xensetup, so it is instant and works offline, whatever state the install is in.
 */

/** The parts of oclif's manifest completion reads (oclif's Interfaces.Manifest fits). */
export interface CompletionManifest {
  commands: Record<string, ManifestCommand>
}

interface ManifestCommand {
  summary?: string
  description?: string
  hidden?: boolean
  flags: Record<string, ManifestFlag>
  args: Record<string, ManifestArg>
}

interface ManifestFlag {
  type: 'boolean' | 'option'
  char?: string
  options?: readonly string[]
  multiple?: boolean
  delimiter?: string
  summary?: string
  description?: string
  hidden?: boolean
}

interface ManifestArg {
  options?: readonly string[]
  required?: boolean
}

const BIN = 'xensetup'
// @oclif/plugin-help adds `help`, which the project's manifest does not list.
const HELP = {name: 'help', summary: `Display help for ${BIN}.`}

/**
 * The manifest tells that a flag takes a value but not what kind, so paths are keyed on names: a
 * directory for --root, a file (or device) for the flags below; other values (--memory, --mac, a guest
 * name, a run id) are free text, where listing file names would only get in the way. Positional args are
 * free text except FILE_ARGS (apply FILE).
 */
const DIRECTORY_FLAGS = new Set(['root'])
const FILE_FLAGS = new Set(['out', 'iso', 'kernel', 'ramdisk', 'disk-path', 'vg-device'])
const FILE_ARGS = new Set(['file'])

/** How a value completes: from the options (commaSeparated: several, as "a,b"), as a path, or not at all. */
type Value =
  | {kind: 'choice'; options: readonly string[]; commaSeparated: boolean}
  | {kind: 'file' | 'directory' | 'text'}

interface Flag {
  name: string
  char?: string
  summary: string
  repeatable: boolean
  /** Undefined for a boolean flag, which takes no value. */
  value?: Value
}

interface Arg {
  name: string
  required: boolean
  value: Value
}

interface Command {
  id: string
  flags: Flag[]
  args: Arg[]
}

/** A word that names a topic or a command. */
interface Entry {
  name: string
  summary: string
}

interface Model {
  /** The entries one word below each topic id; '' is the top level. */
  below: Map<string, Entry[]>
  commands: Command[]
}

export function completionScript(
  shell: 'bash' | 'zsh',
  manifest: CompletionManifest,
  topics: Record<string, {description: string}>,
): string {
  const model = buildModel(manifest, topics)
  return shell === 'bash' ? bashScript(model) : zshScript(model)
}

function buildModel(manifest: CompletionManifest, topics: Record<string, {description: string}>): Model {
  const visible = Object.entries(manifest.commands).filter(([, command]) => !command.hidden)
  const commands = visible.map(([id, command]) => ({
    id,
    flags: Object.entries(command.flags)
      .filter(([, flag]) => !flag.hidden)
      .map(([name, flag]) => toFlag(name, flag)),
    args: Object.entries(command.args).map(([name, arg]) => toArg(name, arg)),
  }))
  const below = new Map<string, Entry[]>([['', [HELP]]])
  for (const [id, command] of visible) {
    // Every prefix of a command id is a topic, whether or not package.json describes it.
    const words = id.split(':')
    words.forEach((name, depth) => {
      const parent = words.slice(0, depth).join(':')
      const path = words.slice(0, depth + 1).join(':')
      const summary = path === id ? summaryOf(command) : topics[path]?.description ?? ''
      const siblings = below.get(parent) ?? []
      if (!siblings.some((entry) => entry.name === name)) siblings.push({name, summary})
      below.set(parent, siblings)
    })
  }
  return {below, commands}
}

function toFlag(name: string, flag: ManifestFlag): Flag {
  const repeatable = Boolean(flag.multiple)
  const base = {name, char: flag.char, summary: summaryOf(flag), repeatable}
  if (flag.type === 'boolean') return base
  if (flag.options) return {...base, value: {kind: 'choice', options: flag.options, commaSeparated: repeatable && flag.delimiter === ','}}
  return {...base, value: {kind: DIRECTORY_FLAGS.has(name) ? 'directory' : FILE_FLAGS.has(name) ? 'file' : 'text'}}
}

function toArg(name: string, arg: ManifestArg): Arg {
  const required = Boolean(arg.required)
  if (arg.options) return {name, required, value: {kind: 'choice', options: arg.options, commaSeparated: false}}
  return {name, required, value: {kind: FILE_ARGS.has(name) ? 'file' : 'text'}}
}

function summaryOf(item: {summary?: string; description?: string}): string {
  return (item.summary ?? item.description ?? '').split('\n')[0]
}

/** A POSIX shell single-quoted word, read back literally by bash and zsh alike. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

function caseArm(key: string, assignment: string): string {
  return `    ${quote(key)}) ${assignment} ;;`
}

// ---------------------------------------------------------------------------------------------- bash

/**
 * A flag or arg as one word-split record: name, short name or "-", "once" or "many", then the value kind
 * (bool, file, dir, text, one or some of the options that follow: "some" is a comma-separated list).
 */
function bashRecord(name: string, char: string | undefined, repeatable: boolean, value: Value | undefined): string {
  const kinds = {file: 'file', directory: 'dir', text: 'text'} as const
  const kind = !value ? 'bool' : value.kind === 'choice' ? (value.commaSeparated ? 'some' : 'one') : kinds[value.kind]
  const options = value?.kind === 'choice' ? value.options : []
  // The record is split on blanks, so a value with one in it would silently complete as two.
  const blank = options.find((option) => /\s/.test(option) || option === '')
  if (blank !== undefined) throw new Error(`${name}: option ${JSON.stringify(blank)} cannot be completed by bash`)
  return [name, char ?? '-', repeatable ? 'many' : 'once', kind, ...options].join(' ')
}

function bashArray(name: string, items: string[]): string {
  return `${name}=(${items.map(quote).join(' ')})`
}

function bashScript({below, commands}: Model): string {
  const topicArms = [...below].map(([topic, entries]) => caseArm(topic, bashArray('_xensetup_names', entries.map((entry) => entry.name))))
  const commandArms = commands.map((command) =>
    caseArm(
      command.id,
      [
        bashArray('_xensetup_flags', command.flags.map((flag) => bashRecord(`--${flag.name}`, flag.char && `-${flag.char}`, flag.repeatable, flag.value))),
        bashArray('_xensetup_args', command.args.map((arg) => bashRecord(arg.name, undefined, false, arg.value))),
      ].join('; '),
    ),
  )
  return `# bash completion for ${BIN}, generated by \`${BIN} completion bash\` from its command manifest.
# Install: ${BIN} completion bash > /etc/bash_completion.d/${BIN}, or for this shell: source <(${BIN} completion bash)
# Static on purpose: completing never runs ${BIN}, so it is instant and works offline.
# The helpers fill the caller's local arrays (bash scopes dynamically) to spare a subshell per lookup.

# The topic and command names one word below topic $1 ('' is the top level), into _xensetup_names.
_xensetup_below() {
  case $1 in
${topicArms.join('\n')}
    *) return 1 ;;
  esac
}

# Command $1's flags and positional args, one record each, into _xensetup_flags and _xensetup_args.
# A record is: name, short name or "-", "once" or "many", then how its value completes: bool (no value),
# file, dir, text (nothing to offer), one of the options that follow, or some of them comma-separated.
_xensetup_command() {
  case $1 in
${commandArms.join('\n')}
    *) return 1 ;;
  esac
}

# Whether $1 is among the other arguments.
_xensetup_has() {
  local word=$1
  shift
  for candidate; do
    [[ $candidate == "$word" ]] && return 0
  done
  return 1
}

# Adds to COMPREPLY, prefixed with $1, each of the other arguments after $2 that starts with $2.
_xensetup_match() {
  local prefix=$1 cur=$2 word
  shift 2
  for word; do
    if [[ $word == "$cur"* ]]; then COMPREPLY+=("$prefix$word"); fi
  done
}

# Sets id to the topic or command the words from index i name, leaving i on the first word after it.
_xensetup_walk() {
  id=''
  while ((i < COMP_CWORD)) && _xensetup_below "$id" && _xensetup_has "\${COMP_WORDS[i]}" "\${_xensetup_names[@]}"; do
    id=\${id:+$id:}\${COMP_WORDS[i]}
    i=$((i + 1))
  done
}

# Sets record to the record of flag $1 (long or short name) of the current command.
_xensetup_flag() {
  local entry
  local -a fields
  for entry in "\${_xensetup_flags[@]}"; do
    read -ra fields <<<"$entry"
    if [[ $1 == "\${fields[0]}" || $1 == "\${fields[1]}" ]]; then
      record=$entry
      return 0
    fi
  done
  return 1
}

# Completes $2 as the value of record $1; every reply starts with $3.
_xensetup_value() {
  local cur=$2 prefix=$3
  local -a fields
  read -ra fields <<<"$1"
  case \${fields[3]} in
    one | some)
      # A comma-separated list completes its last item and keeps the ones before.
      if [[ \${fields[3]} == some && $cur == *,* ]]; then
        prefix+=\${cur%,*},
        cur=\${cur##*,}
      fi
      _xensetup_match "$prefix" "$cur" "\${fields[@]:4}"
      ;;
    file | dir)
      # Quotes names with blanks and marks directories with a slash.
      compopt -o filenames
      local type=-f
      [[ \${fields[3]} == dir ]] && type=-d
      mapfile -t COMPREPLY < <(compgen "$type" -P "$prefix" -- "$cur")
      ;;
  esac
}

# Completes the current word for a command whose own words start at index $1: the value of the flag
# before it, a flag not given yet (or one that repeats), or the next positional arg.
_xensetup_command_word() {
  local i=$1 cur=\${COMP_WORDS[COMP_CWORD]} word record pending='' entry positional=0
  local -a given=() names=() fields
  while ((i < COMP_CWORD)); do
    word=\${COMP_WORDS[i]}
    i=$((i + 1))
    if [[ $word != -* ]]; then
      positional=$((positional + 1))
      continue
    fi
    _xensetup_flag "\${word%%=*}" || continue
    read -ra fields <<<"$record"
    given+=("\${fields[0]}")
    [[ $word == *=* || \${fields[3]} == bool ]] && continue
    # The value is the next word, or the one after a lone "=": bash splits "--flag=value" into three words.
    [[ \${COMP_WORDS[i]} == = ]] && i=$((i + 1))
    if ((i >= COMP_CWORD)); then
      pending=$record
      # Beyond the current word means the current word is that "=", and the value is still empty.
      ((i == COMP_CWORD)) || cur=''
      break
    fi
    i=$((i + 1))
  done
  if [[ $pending ]]; then
    _xensetup_value "$pending" "$cur" ''
  elif [[ $cur == --*=* ]] && _xensetup_flag "\${cur%%=*}"; then
    _xensetup_value "$record" "\${cur#*=}" "\${cur%%=*}="
  elif [[ $cur == -* ]]; then
    for entry in "\${_xensetup_flags[@]}"; do
      read -ra fields <<<"$entry"
      [[ \${fields[2]} == once ]] && _xensetup_has "\${fields[0]}" "\${given[@]}" && continue
      names+=("\${fields[0]}")
      [[ \${fields[1]} != - ]] && names+=("\${fields[1]}")
    done
    _xensetup_match '' "$cur" "\${names[@]}"
  elif ((positional < \${#_xensetup_args[@]})); then
    _xensetup_value "\${_xensetup_args[positional]}" "$cur" ''
  fi
}

_xensetup() {
  local id i=1 help=''
  local -a _xensetup_names _xensetup_flags _xensetup_args
  COMPREPLY=()
  _xensetup_walk
  # help takes a command the way ${BIN} itself does, and nothing after it.
  if [[ $id == help ]]; then
    help=1
    _xensetup_walk
  fi
  if ((i == COMP_CWORD)) && _xensetup_below "$id"; then
    _xensetup_match '' "\${COMP_WORDS[COMP_CWORD]}" "\${_xensetup_names[@]}"
  elif [[ -z $help ]] && _xensetup_command "$id"; then
    _xensetup_command_word "$i"
  fi
}

complete -F _xensetup ${BIN}
`
}

// ----------------------------------------------------------------------------------------------- zsh

/** Text inside an _arguments "[explanation]", where brackets and backslashes are special. */
function zshExplanation(text: string): string {
  return text.replaceAll(/[\\[\]]/g, '\\$&')
}

/** Words an _arguments action splits like the shell: each backslash-escaped but for harmless characters. */
function zshWords(words: readonly string[]): string {
  return words.map((word) => word.replaceAll(/[^\w.,+@%/=-]/g, '\\$&')).join(' ')
}

/** The _arguments action completing a value, after its "message:" (the name shown above the matches). */
function zshAction(value: Value): string {
  switch (value.kind) {
    case 'choice':
      // _sequence completes each item of the comma-separated list, offering an option once.
      return value.commaSeparated ? `_sequence compadd - ${zshWords(value.options)}` : `(${zshWords(value.options)})`
    case 'file':
      return '_files'
    case 'directory':
      return '_files -/'
    case 'text':
      return '( )'
  }
}

/** A flag's _arguments specs: one per name, each excluding the other so that neither is offered again. */
function zshFlagSpecs(flag: Flag): string[] {
  const names = [...(flag.char ? [`-${flag.char}`] : []), `--${flag.name}`]
  // "*" lets a flag repeat; otherwise _arguments offers it once, and the exclusion covers its other name.
  const prefix = flag.repeatable ? '*' : names.length > 1 ? `(${names.join(' ')})` : ''
  const value = flag.value ? `:${flag.name}:${zshAction(flag.value)}` : ''
  // "=" takes the value in the same word after "=" or as the next word; "+" the same for a short name.
  return names.map((name) => `${prefix}${name}${flag.value ? (name.startsWith('--') ? '=' : '+') : ''}[${zshExplanation(flag.summary)}]${value}`)
}

function zshArgSpec(arg: Arg): string {
  return `${arg.required ? ':' : '::'}${arg.name}:${zshAction(arg.value)}`
}

function zshArray(items: string[]): string {
  return `reply=(${items.map(quote).join(' ')})`
}

function zshScript({below, commands}: Model): string {
  const topicArms = [...below].map(([topic, entries]) =>
    caseArm(topic, zshArray(entries.map((entry) => `${entry.name.replaceAll(':', '\\:')}:${entry.summary}`))),
  )
  const commandArms = commands.map((command) => caseArm(command.id, zshArray([...command.flags.flatMap(zshFlagSpecs), ...command.args.map(zshArgSpec)])))
  return `#compdef ${BIN}
# zsh completion for ${BIN}, generated by \`${BIN} completion zsh\` from its command manifest.
# Install: ${BIN} completion zsh > "\${fpath[1]}/_${BIN}" and start a new shell,
# or for this shell (after compinit): source <(${BIN} completion zsh)
# Static on purpose: completing never runs ${BIN}, so it is instant and works offline.

# The topics and commands one word below topic $1 ('' is the top level), as name:summary into reply.
_xensetup_below() {
  case $1 in
${topicArms.join('\n')}
    *) return 1 ;;
  esac
}

# Command $1's flags and positional args, as _arguments specs into reply.
_xensetup_command() {
  case $1 in
${commandArms.join('\n')}
    *) return 1 ;;
  esac
}

# Completes the words after topic $1: the next topic or command name, then the command's flags and args.
# With $2 set (after help) only names: help takes a command the way ${BIN} itself does, and nothing else.
_xensetup_walk() {
  local topic=$1 help=$2 next curcontext=$curcontext state line
  local -a reply
  _arguments -C '1: :->name' '*:: :->rest'
  case $state in
    name)
      _xensetup_below "$topic" && _describe -t commands '${BIN} command' reply
      ;;
    rest)
      # words now starts at the name, as _arguments expects of a command line.
      next=\${topic:+$topic:}$words[1]
      if [[ -z $topic && -z $help && $next == help ]]; then
        _xensetup_walk '' 1
      elif _xensetup_below "$next"; then
        _xensetup_walk "$next" "$help"
      elif [[ -z $help ]] && _xensetup_command "$next"; then
        _arguments -S "\${reply[@]}"
      fi
      ;;
  esac
}

_xensetup() {
  _xensetup_walk ''
}

# Autoloaded from fpath, this file is the body of _xensetup; sourced, it registers the function instead.
if [[ $funcstack[1] == _xensetup ]]; then
  _xensetup "$@"
else
  compdef _xensetup ${BIN}
fi
`
}
