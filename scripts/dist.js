#!/usr/bin/env node
// `npm run dist` (after `npm run build`, whose manifest it embeds): the two release artifacts in release/.
//   release/xensetup.cjs         the whole CLI in one file, for any Node >= 18.19 (`node xensetup.cjs …`)
//   release/xensetup-linux-x64   the same file inside this machine's node: a single executable application
//                                (scripts/sea-main.cjs starts it, with V8's code for a doctor run)
// Start-up is what shapes the bundle: node's own start-up is the bar (npm run bench). Our code and the
// small libraries plans use (diff, ejs) are plain code in the file; oclif, listr2, inquirer, execa and
// yaml, which only some runs need, are kept in it as compressed text and compiled on first use, since
// V8 parses every function in a file it loads, used or not.
import {build} from 'esbuild'
import {execFileSync, spawnSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {compileFunction} from 'node:vm'
import {chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {brotliCompressSync, brotliDecompressSync} from 'node:zlib'
import {fileURLToPath} from 'node:url'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const RELEASE = path.join(REPO, 'release')
const BUNDLE = path.join(RELEASE, 'xensetup.cjs')
const EXECUTABLE = path.join(RELEASE, 'xensetup-linux-x64')
const SEA_MAIN = path.join(REPO, 'scripts/sea-main.cjs')
// The oldest Node the bundle runs on: Debian 12's and Ubuntu 24.04's own.
const TARGET = 'node18.19'
// DIST_MINIFY=0 keeps names readable, for profiling (node --cpu-prof release/xensetup.cjs …).
const MINIFY = process.env.DIST_MINIFY !== '0'
// postject's fuse for Node's single executable applications (Node's docs, "Single executable applications").
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

// The executable is this node with the bundle inside: a node that can tell it is one (node:sea's
// isSea, Node 20.12; the executable's helpers start it again as itself) and that is one whole binary.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 12) || process.config.variables.node_shared) {
  console.error(`dist: the executable needs a self-contained node of version 20.12 or later to build from; this is ${process.version}${process.config.variables.node_shared ? ' with a shared libnode' : ''}`)
  process.exit(2)
}

/**
 * Libraries only some runs need, kept in the bundle as compressed text and compiled on first use: each
 * vendor's source. yaml is one although facts import it: only a host with netplan files parses YAML.
 */
const VENDORS = {
  // The help command with the oclif it extends: one copy of oclif, whose Command class both share.
  oclif: "export * from '@oclif/core'; export {commands as helpCommands} from '@oclif/plugin-help'",
  listr2: "export {Listr} from 'listr2'",
  // The three prompts init asks with, from @inquirer/prompts' own packages: its index would also bring
  // the editor prompt, whose encoding tables are most of inquirer's size.
  inquirer: "export {default as confirm} from '@inquirer/confirm'; export {default as input} from '@inquirer/input'; export {default as select} from '@inquirer/select'",
  execa: "export * from 'execa'",
  yaml: "export * from 'yaml'",
}

/** Each bare import the sources make: its vendor, and which of the vendor's names its own names are. */
const IMPORTS = {
  '@oclif/core': {vendor: 'oclif'},
  '@oclif/plugin-help': {vendor: 'oclif', names: {commands: 'helpCommands'}},
  listr2: {vendor: 'listr2'},
  '@inquirer/prompts': {vendor: 'inquirer'},
  execa: {vendor: 'execa'},
  yaml: {vendor: 'yaml'},
}

/**
 * The module a bare import resolves to: the package's names as getters, so the vendor is compiled when
 * a name is first used, not when the importing module is loaded.
 */
async function importStub(specifier) {
  const {vendor, names} = IMPORTS[specifier]
  // The package's names that the vendor has: a name it lacks fails the build, not a run in the field.
  const mapping = names ?? Object.fromEntries(Object.keys(await import(specifier)).filter((name) => name !== 'default' && vendorExports(vendor).has(name)).map((name) => [name, name]))
  const missing = Object.values(mapping).filter((from) => !vendorExports(vendor).has(from))
  if (missing.length > 0) throw new Error(`dist: vendor ${vendor} has no ${missing.join(', ')}`)
  const getters = Object.entries(mapping).map(([name, from]) => `${JSON.stringify(name)}: {enumerable: true, get: () => vendor(${JSON.stringify(vendor)})[${JSON.stringify(from)}]}`)
  return `const {vendor} = require('xensetup:vendors')\nmodule.exports = Object.defineProperties({}, {${getters.join(', ')}})`
}

function files(dir) {
  return readdirSync(path.join(REPO, dir), {withFileTypes: true}).flatMap((entry) => {
    const name = `${dir}/${entry.name}`
    return entry.isDirectory() ? files(name) : [name]
  })
}

const manifestFile = path.join(REPO, 'oclif.manifest.json')
if (statSync(manifestFile, {throwIfNoEntry: false}) === undefined) {
  console.error('dist: oclif.manifest.json is missing: run `npm run build` first')
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'))

async function vendorText(source) {
  const result = await build({
    stdin: {contents: source, resolveDir: REPO, loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: TARGET,
    minify: true,
    write: false,
    // oclif loads TypeScript only to run commands from .ts sources, which a release has none of.
    external: ['typescript', 'ts-node'],
    logLevel: 'error',
  })
  // Brotli and base64: a quarter of the bytes V8 must scan at every start, decompressed only when used.
  return brotliCompressSync(result.outputFiles[0].contents).toString('base64')
}

/** src/assets.ts as the release has it: the shipped files inside, and itself as the way to start itself. */
function assetsModule() {
  const shipped = [...files('templates'), ...files('distros'), 'package.json', 'oclif.manifest.json']
  const assets = Object.fromEntries(shipped.map((name) => [name, readFileSync(path.join(REPO, name), 'utf8')]))
  return `
const ASSETS = ${JSON.stringify(assets)}
function single() {
  try { return require('node:sea').isSea() } catch { return false }
}
export function readAsset(name) {
  if (!Object.hasOwn(ASSETS, name)) throw Object.assign(new Error(name + ' is not in this release'), {code: 'ENOENT'})
  return ASSETS[name]
}
export function selfCommand() {
  return single() ? [process.execPath] : [process.execPath, __filename]
}
export function releaseKind() {
  return single() ? 'single executable' : 'bundle'
}
`
}

const texts = {}
for (const [name, source] of Object.entries(VENDORS)) texts[name] = await vendorText(source)

const exported = new Map()
/** What a vendor's compiled text exports, from running it here once as the bundle will. */
function vendorExports(name) {
  if (!exported.has(name)) {
    const module = {exports: {}}
    const text = brotliDecompressSync(Buffer.from(texts[name], 'base64')).toString()
    compileFunction(text, ['exports', 'require', 'module'])(module.exports, createRequire(import.meta.url), module)
    exported.set(name, new Set(Object.keys(module.exports)))
  }
  return exported.get(name)
}

function vendorsModule() {
  return `
const TEXTS = ${JSON.stringify(texts)}
const loaded = new Map()
export function vendor(name) {
  if (!loaded.has(name)) {
    const module = {exports: {}}
    const text = require('node:zlib').brotliDecompressSync(Buffer.from(TEXTS[name], 'base64')).toString()
    require('node:vm').compileFunction(text, ['exports', 'require', 'module'], {filename: 'xensetup:' + name})(module.exports, require, module)
    loaded.set(name, module.exports)
  }
  return loaded.get(name)
}
`
}

/** Every command class by id (from the manifest), and oclif's help command. */
function commandsModule() {
  const entries = Object.entries(manifest.commands).map(([id, command], index) => {
    const source = path.join(REPO, command.relativePath.join('/').replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))
    return {id, name: `C${index}`, source}
  })
  return `
${entries.map(({name, source}) => `import ${name} from ${JSON.stringify(source)}`).join('\n')}
import {commands} from '@oclif/plugin-help'
export const COMMANDS = {${entries.map(({id, name}) => `${JSON.stringify(id)}: ${name}`).join(', ')}, help: commands.help}
`
}

const vendors = vendorsModule()
const release = {
  name: 'release',
  setup(bundler) {
    bundler.onResolve({filter: /^xensetup:(commands|vendors)$/}, ({path: name}) => ({path: name, namespace: 'release'}))
    bundler.onResolve({filter: /\/assets\.js$/}, ({path: name, resolveDir}) =>
      path.resolve(resolveDir, name) === path.join(REPO, 'src/assets.js') ? {path: 'xensetup:assets', namespace: 'release'} : undefined,
    )
    bundler.onResolve({filter: new RegExp(`^(${Object.keys(IMPORTS).join('|')})$`)}, ({path: name}) => ({path: name, namespace: 'vendor'}))
    bundler.onLoad({filter: /.*/, namespace: 'vendor'}, async ({path: name}) => ({contents: await importStub(name), loader: 'js', resolveDir: REPO}))
    bundler.onLoad({filter: /.*/, namespace: 'release'}, ({path: name}) => {
      const contents = {'xensetup:assets': assetsModule, 'xensetup:commands': commandsModule, 'xensetup:vendors': () => vendors}[name]()
      return {contents, loader: 'js', resolveDir: REPO}
    })
  },
}

// Built aside and renamed into place, so a test reading release/ meanwhile sees whole files.
const work = path.join(RELEASE, '.build')
rmSync(work, {recursive: true, force: true})
mkdirSync(work, {recursive: true})
try {
  const bundle = path.join(work, path.basename(BUNDLE))
  const executable = path.join(work, path.basename(EXECUTABLE))
  await build({
    entryPoints: [path.join(REPO, 'src/cli/bundle-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: TARGET,
    minify: MINIFY,
    outfile: bundle,
    banner: {js: '#!/usr/bin/env node'},
    plugins: [release],
    logLevel: 'warning',
  })
  chmodSync(bundle, 0o755)

  // The executable: this node with scripts/sea-main.cjs as its main script, and the bundle with the code
  // V8 compiles for it in a doctor run on this machine (doctor only reads) as assets. Without
  // NODE_OPTIONS, which would make V8 turn the code down at every start of the executable.
  const cache = path.join(work, 'xensetup.cache')
  const {NODE_OPTIONS, ...env} = process.env
  // Its summary line, not its exit code, says it ran through: exit 1 is also doctor's "a check failed".
  const warm = spawnSync(process.execPath, [SEA_MAIN, bundle, cache, 'doctor'], {encoding: 'utf8', env})
  if (!/^Summary: \d+ failed/m.test(warm.stdout)) throw new Error(`dist: the doctor run for the code cache failed (${warm.status ?? warm.signal}): ${warm.stderr}`)
  const blob = path.join(work, 'xensetup.blob')
  const assets = {'xensetup.cjs': bundle, 'xensetup.cache': cache}
  writeFileSync(path.join(work, 'sea-config.json'), JSON.stringify({main: SEA_MAIN, output: blob, disableExperimentalSEAWarning: true, assets}))
  execFileSync(process.execPath, ['--experimental-sea-config', path.join(work, 'sea-config.json')], {stdio: 'pipe'})
  copyFileSync(process.execPath, executable)
  chmodSync(executable, 0o755)
  const {inject} = await import('postject')
  // postject warns about each ELF note it cannot name; whether the injection worked is asked of the result.
  const warn = console.warn
  console.warn = () => {}
  await inject(executable, 'NODE_SEA_BLOB', readFileSync(blob), {sentinelFuse: SEA_FUSE})
  console.warn = warn
  const version = execFileSync(executable, ['--version'], {encoding: 'utf8'})
  if (!version.includes('(single executable)')) throw new Error(`dist: the executable does not run as one: ${version}`)
  const codeCache = execFileSync(executable, ['__code-cache'], {encoding: 'utf8', env}).trim()
  if (codeCache !== 'accepted') throw new Error(`dist: V8 turns down the executable's code cache (${codeCache})`)
  renameSync(bundle, BUNDLE)
  renameSync(executable, EXECUTABLE)
} finally {
  rmSync(work, {recursive: true, force: true})
}

for (const file of [BUNDLE, EXECUTABLE]) console.log(`${path.relative(REPO, file)}  ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`)
