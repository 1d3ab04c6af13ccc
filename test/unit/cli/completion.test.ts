import {afterAll, beforeAll, describe, expect, it} from '@jest/globals'
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {completionScript} from '../../../src/cli/completion.js'

/**
 * The scripts run in the real shells: bash calls the completion function the way readline would, zsh
 * completes on a pseudo-terminal through its own completion system. Expectations come from the manifest
 * `npm run build` wrote, or are what an admin would type.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const manifest = JSON.parse(readFileSync(path.join(REPO, 'oclif.manifest.json'), 'utf8')).commands
const topics = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).oclif.topics

const hasZsh = spawnSync('zsh', ['--version']).status === 0
if (!hasZsh) process.stderr.write('completion: zsh tests skipped, needs zsh\n')
const describeWithZsh = hasZsh ? describe : describe.skip

const sorted = (words: string[]) => [...words].sort()
const optionsOf = (id: string, flag: string): string[] => manifest[id].flags[flag].options
const subcommandsOf = (topic: string) =>
  Object.keys(manifest)
    .filter((id) => id.startsWith(`${topic}:`))
    .map((id) => id.slice(topic.length + 1))

let dir: string
// Paths to complete: a directory and a file beside it.
let files: string
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'xensetup-completion-'))
  files = path.join(dir, 'files')
  mkdirSync(path.join(files, 'sub'), {recursive: true})
  writeFileSync(path.join(files, 'plan.json'), '{}')
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('bash completion', () => {
  let script: string
  beforeAll(() => {
    script = path.join(dir, 'xensetup.bash')
    writeFileSync(script, completionScript('bash', manifest, topics))
  })

  function bash(code: string, ...args: string[]): string {
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', `source "$1"; shift; ${code}`, 'bash', script, ...args], {encoding: 'utf8'})
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    return run.stdout
  }

  /**
   * COMPREPLY for the cursor at the end of line. Readline splits the words at blanks and, since "=" is
   * in bash's default COMP_WORDBREAKS, also around "=": "--only=bo" reaches the function as three words.
   */
  function complete(line: string): string[] {
    const words = line.split(' ').flatMap((word) => (word === '' ? [''] : word.split(/(=)/).filter(Boolean)))
    // compopt only works while readline itself is completing.
    const code = `compopt() { :; }
      COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE=$LINE; COMP_POINT=\${#LINE}
      _xensetup xensetup "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
      printf '%s\\n' "\${COMPREPLY[@]}"`
    return bash(`LINE=${quote(line)}; ${code}`, ...words)
      .split('\n')
      .filter(Boolean)
  }

  it('registers itself for xensetup', () => {
    expect(bash('complete -p xensetup').trim()).toBe('complete -F _xensetup xensetup')
  })

  it('completes commands, topics and help at the first word', () => {
    expect(complete('xensetup ')).toEqual(expect.arrayContaining(['init', 'doctor', 'apply', 'guest', 'help']))
    expect(complete('xensetup ')).not.toContain('create')
    expect(complete('xensetup gu')).toEqual(['guest'])
    expect(complete('xensetup in')).toEqual(['init'])
  })

  it('completes the commands of a topic after it', () => {
    expect(sorted(complete('xensetup guest '))).toEqual(sorted(subcommandsOf('guest')))
    expect(complete('xensetup guest ')).toEqual(expect.arrayContaining(['create', 'list', 'start', 'stop']))
    expect(complete('xensetup guest cr')).toEqual(['create'])
  })

  it('completes flags by prefix', () => {
    expect(sorted(complete('xensetup init --o'))).toEqual(['--only', '--out'])
    expect(complete('xensetup init -')).toEqual(expect.arrayContaining(['--dry-run', '--verbose', '-v', '--yes', '-y']))
    expect(complete('xensetup guest create web1 --ty')).toEqual(['--type'])
  })

  it('does not offer a flag given already, by either name, but does offer a repeatable one', () => {
    expect(sorted(complete('xensetup init --dry-run --d'))).toEqual(['--dom0-max-vcpus', '--dom0-mem'])
    expect(complete('xensetup init -v --ver')).toEqual([])
    expect(complete('xensetup init --verbose -')).not.toContain('-v')
    expect(complete('xensetup init --only boot --on')).toEqual(['--only'])
  })

  it('completes the values of a flag with options, in both --flag value and --flag=value forms', () => {
    expect(sorted(complete('xensetup init --only '))).toEqual(sorted(optionsOf('init', 'only')))
    expect(complete('xensetup init --only ')).toEqual(expect.arrayContaining(['packages', 'boot', 'services', 'lvm']))
    expect(sorted(complete('xensetup guest create web1 --type '))).toEqual(['hvm', 'pv', 'pvh'])
    expect(sorted(complete('xensetup guest create web1 --type=p'))).toEqual(['pv', 'pvh'])
    expect(sorted(complete('xensetup init --skip='))).toEqual(sorted(optionsOf('init', 'skip')))
    expect(complete('xensetup init --only=bo')).toEqual(['boot'])
  })

  it('completes the item after the last comma of a comma-separated flag', () => {
    expect(complete('xensetup init --only boot,s')).toEqual(['boot,services'])
    expect(complete('xensetup init --only=packages,boot,x')).toEqual(['packages,boot,xenfs'])
  })

  it('takes the word after a boolean flag for what it is, and after a value for what comes next', () => {
    expect(complete('xensetup guest create --vnc --ty')).toEqual(['--type'])
    expect(complete('xensetup init --only boot --sk')).toEqual(['--skip'])
    expect(complete('xensetup init --only=boot --sk')).toEqual(['--skip'])
  })

  it('completes directories for --root and files for other free values', () => {
    expect(complete(`xensetup init --root ${files}/`)).toEqual([`${files}/sub`])
    expect(complete(`xensetup init --root=${files}/`)).toEqual([`${files}/sub`])
    expect(sorted(complete(`xensetup init --dry-run --out ${files}/`))).toEqual([`${files}/plan.json`, `${files}/sub`])
    expect(complete(`xensetup guest create web1 --iso ${files}/p`)).toEqual([`${files}/plan.json`])
  })

  it('completes positional args: a file for apply, options when the arg has them, nothing for a name', () => {
    expect(complete(`xensetup apply ${files}/p`)).toEqual([`${files}/plan.json`])
    // --root's value is not the file.
    expect(complete(`xensetup apply --root ${files} ${files}/p`)).toEqual([`${files}/plan.json`])
    expect(complete(`xensetup apply ${files}/plan.json ${files}/p`)).toEqual([])
    expect(complete(`xensetup guest create ${files}/p`)).toEqual([])
    expect(sorted(complete('xensetup completion '))).toEqual(['bash', 'zsh'])
  })

  it('completes the command after help, and nothing after that', () => {
    expect(complete('xensetup help ')).toEqual(expect.arrayContaining(['init', 'doctor', 'guest', 'help']))
    expect(complete('xensetup help gu')).toEqual(['guest'])
    expect(sorted(complete('xensetup help guest '))).toEqual(sorted(subcommandsOf('guest')))
    expect(complete('xensetup help init -')).toEqual([])
    expect(complete('xensetup help guest create ')).toEqual([])
  })

  it('offers nothing after an unknown command', () => {
    expect(complete('xensetup bogus -')).toEqual([])
    expect(complete('xensetup guest bogus -')).toEqual([])
  })
})

describeWithZsh('zsh completion', () => {
  // The directory an admin's fpath would hold _xensetup in.
  let completions: string
  let driver: string
  beforeAll(() => {
    completions = path.join(dir, 'completions')
    mkdirSync(completions)
    writeFileSync(path.join(completions, '_xensetup'), completionScript('zsh', manifest, topics))
    driver = path.join(dir, 'drive.zsh')
    writeFileSync(driver, ZSH_DRIVER)
  })

  /** What zsh offers for the cursor at the end of line, and the line after the completion. */
  function complete(line: string): {offered: string[]; buffer: string} {
    const log = path.join(dir, 'zsh.log')
    rmSync(log, {force: true})
    const run = spawnSync('zsh', ['-f', driver, completions, log, line], {encoding: 'utf8', timeout: 20_000})
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const lines = readFileSync(log, 'utf8').split('\n')
    const buffer = lines.find((entry) => entry.startsWith('BUFFER:'))
    if (buffer === undefined) throw new Error(`zsh did not complete: ${run.stdout}${run.stderr}`)
    // A match offered under two tags (files as files and as directories) is logged twice.
    const offered = new Set(lines.filter((entry) => entry !== '' && !entry.startsWith('BUFFER:')))
    return {offered: [...offered], buffer: buffer.slice('BUFFER:'.length)}
  }

  it('parses', () => {
    const run = spawnSync('zsh', ['-n', path.join(completions, '_xensetup')], {encoding: 'utf8'})
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })

  it('registers itself when sourced after compinit', () => {
    const run = spawnSync('zsh', ['-f', '-c', 'autoload -Uz compinit; compinit -u -D; source "$1"; print -r -- $_comps[xensetup]', 'zsh', path.join(completions, '_xensetup')], {
      encoding: 'utf8',
    })
    expect(run.stdout.trim()).toBe('_xensetup')
  })

  it('completes commands, topics and their commands', () => {
    const first = complete('xensetup ').offered
    expect(first).toEqual(expect.arrayContaining(['init', 'doctor', 'guest', 'help']))
    expect(first).not.toContain('create')
    expect(complete('xensetup gu').buffer).toBe('xensetup guest ')
    expect(sorted(complete('xensetup guest ').offered)).toEqual(sorted(subcommandsOf('guest')))
    expect(sorted(complete('xensetup help guest ').offered)).toEqual(sorted(subcommandsOf('guest')))
  })

  it('completes flags not given yet and the values of flags with options', () => {
    expect(sorted(complete('xensetup init --o').offered)).toEqual(['--only', '--out'])
    const afterVerbose = complete('xensetup init -v -').offered
    expect(afterVerbose).toEqual(expect.arrayContaining(['--dry-run', '-y']))
    expect(afterVerbose).not.toContain('--verbose')
    expect(afterVerbose).not.toContain('-v')
    expect(sorted(complete('xensetup guest create web1 --type ').offered)).toEqual(['hvm', 'pv', 'pvh'])
    expect(complete('xensetup guest create web1 --type=pvh').buffer).toBe('xensetup guest create web1 --type=pvh ')
    expect(sorted(complete('xensetup init --only ').offered)).toEqual(sorted(optionsOf('init', 'only')))
    const afterBoot = complete('xensetup init --only boot,').offered
    expect(afterBoot).toContain('services')
    expect(afterBoot).not.toContain('boot')
  })

  it('completes directories for --root', () => {
    expect(complete(`xensetup init --root ${files}/`).offered).toEqual(['sub'])
  })
})

/** A shell word bash reads back as the string. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/**
 * zsh -f drive.zsh FUNCTIONS LOG LINE: types LINE into an interactive zsh whose fpath has FUNCTIONS,
 * then a key bound to complete and log; LOG gets each match offered, then "BUFFER:" and the line after.
 * compadd is wrapped to log what is offered, except the calls by which _arguments and _describe filter
 * their own lists into arrays (-O, -A, -D), which offer nothing.
 */
const ZSH_DRIVER = `
zmodload zsh/zpty
local completions=$1 log=$2 line=$3
zpty shell zsh -f -i
zpty -w shell "PS1= LOG=\${(q)log} fpath=(\${(q)completions} \\$fpath); unsetopt autolist; autoload -Uz compinit; compinit -u -D"
zpty -w shell 'compadd() {
  if (( \${@[1,\${@[(i)(-|--)]}][(I)-[[:alpha:]]#[OAD]*]} )); then builtin compadd "$@"; return; fi
  local -a offered
  builtin compadd -O offered "$@"
  print -rl -- $offered >>$LOG
  builtin compadd "$@"
}'
zpty -w shell '_complete_and_log() { zle complete-word; print -r -- "BUFFER:$BUFFER" >>$LOG; BUFFER= }'
zpty -w shell 'zle -N _complete_and_log; bindkey "^X" _complete_and_log'
zpty -w -n shell "$line"$'\\C-x'
integer tries
for tries in {1..200}; do
  [[ -e $log && $(<$log) == *BUFFER:* ]] && break
  sleep 0.05
done
zpty -d shell
`
