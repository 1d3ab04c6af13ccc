import {describe, expect, it} from '@jest/globals'
import {readFileSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import ts from 'typescript'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Bottom first: a module may import its own layer and the layers below it, never one above. A layer is
 * a directory, or a single file where that file's place differs from its directory's.
 */
const LAYERS: ReadonlyArray<{name: string; paths: string[]}> = [
  // errors.ts is the user-facing error and exit-code contract every layer may throw through.
  {name: 'formats', paths: ['src/formats/', 'src/version.ts', 'src/errors.ts', 'src/assets.ts']},
  {name: 'host', paths: ['src/host/']},
  {name: 'render', paths: ['src/render/']},
  {name: 'facts', paths: ['src/facts/']},
  {name: 'distros', paths: ['src/distros/']},
  {name: 'engine', paths: ['src/engine/']},
  // The journal read back as runs (history, rollback, uninstall).
  {name: 'journal', paths: ['src/journal/']},
  {name: 'steps', paths: ['src/steps/']},
  {name: 'doctor', paths: ['src/doctor/']},
  {name: 'cli', paths: ['src/cli/']},
  {name: 'init', paths: ['src/init/']},
  // Guests build on init's prompter and the LVM step's metadata reading.
  {name: 'guest', paths: ['src/guest/']},
  // Undoing runs (rollback, uninstall): plans through the same Session as init, with steps of its own.
  {name: 'undo', paths: ['src/undo/']},
  // Kept plans: made by init and guest create, applied through them again.
  {name: 'plan', paths: ['src/plan/']},
  // What each command does, on the layers above; cli/call.ts is the shape they take.
  {name: 'actions', paths: ['src/actions/']},
  // oclif's command classes and the table both they and the fast path run actions through.
  {name: 'commands', paths: ['src/commands/', 'src/cli/actions.ts', 'src/cli/base-command.ts']},
  // Where the CLI starts: the fast path, oclif for the rest, the release bundle's own oclif set-up.
  {name: 'entry', paths: ['src/cli/main.ts', 'src/cli/bundle-entry.ts', 'src/cli/bundled-oclif.ts']},
]

/** Upward imports tolerated for now, each with who removes it. */
const ALLOWED: ReadonlyArray<{from: string; to: string}> = []

interface Edge {
  from: string
  to: string
}

function layerOf(file: string): number {
  // The longest matching path wins, so a file listed on its own overrides its directory.
  const matches = LAYERS.flatMap((layer, rank) => layer.paths.filter((prefix) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix))).map((prefix) => ({rank, length: prefix.length})))
  if (matches.length === 0) throw new Error(`${file} belongs to no layer: add its directory to LAYERS`)
  return matches.sort((a, b) => b.length - a.length)[0].rank
}

/** Imports that point to a higher layer, as "file imports target (layer → layer)". */
function upwardImports(edges: Edge[]): string[] {
  return edges
    .filter(({from, to}) => layerOf(to) > layerOf(from))
    .map(({from, to}) => `${from} imports ${to} (${LAYERS[layerOf(from)].name} → ${LAYERS[layerOf(to)].name})`)
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), {withFileTypes: true}).flatMap((entry) => {
    const file = `${dir}/${entry.name}`
    if (entry.isDirectory()) return sourceFiles(file)
    return entry.name.endsWith('.ts') ? [file] : []
  })
}

/** Every relative import of every source file (static, type-only, re-exports and dynamic), as repo paths. */
function importEdges(): Edge[] {
  return sourceFiles('src').flatMap((from) =>
    ts
      .preProcessFile(readFileSync(path.join(REPO, from), 'utf8'), true, true)
      .importedFiles.map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({from, to: path.posix.join(path.posix.dirname(from), specifier.replace(/\.js$/, '.ts'))})),
  )
}

const isAllowed = (edge: Edge) => ALLOWED.some((allowed) => allowed.from === edge.from && allowed.to === edge.to)

describe('layers', () => {
  const edges = importEdges()

  it('every import points to its own layer or one below', () => {
    expect(upwardImports(edges.filter((edge) => !isAllowed(edge)))).toEqual([])
  })

  it('every allowance is still needed (delete it once its import is gone)', () => {
    expect(ALLOWED.filter((allowed) => !edges.some((edge) => isAllowed(edge) && edge.from === allowed.from && edge.to === allowed.to))).toEqual([])
  })

  it('names the file and the import that points up', () => {
    expect(upwardImports([{from: 'src/facts/boot.ts', to: 'src/steps/boot.ts'}, {from: 'src/steps/boot.ts', to: 'src/facts/boot.ts'}])).toEqual([
      'src/facts/boot.ts imports src/steps/boot.ts (facts → steps)',
    ])
    expect(upwardImports([{from: 'src/doctor/run-doctor.ts', to: 'src/cli/fast-parse.ts'}])).toEqual([
      'src/doctor/run-doctor.ts imports src/cli/fast-parse.ts (doctor → cli)',
    ])
  })
})
