import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = path.join(REPO, 'bin/run.js')

function newest(dir: string): number {
  return readdirSync(dir, {withFileTypes: true}).reduce((latest, entry) => {
    const full = path.join(dir, entry.name)
    return Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs)
  }, 0)
}

/**
 * The installed CLI (bin/run.js over dist/), for tests that run it as an admin does. npm ci builds it
 * (the prepare script); a dist/ older than src/ would test stale code, so that is an error, not a pass.
 */
export function builtCli(): string {
  const manifest = path.join(REPO, 'oclif.manifest.json')
  let built = 0
  try {
    built = Math.min(newest(path.join(REPO, 'dist')), statSync(manifest).mtimeMs)
  } catch {
    // not built at all
  }
  if (built < newest(path.join(REPO, 'src'))) throw new Error('dist/ is missing or older than src/: run `npm run build` first')
  return BIN
}

export const RELEASE_BUNDLE = path.join(REPO, 'release/xensetup.cjs')
export const RELEASE_EXECUTABLE = path.join(REPO, 'release/xensetup-linux-x64')

/**
 * A release artifact (`npm run dist`): the whole CLI in one file, with src/, templates/ and distros/
 * inside it. One older than any of them would test stale code, so that is an error, not a pass.
 */
function release(file: string): string {
  let built = 0
  try {
    built = statSync(file).mtimeMs
  } catch {
    // not built at all
  }
  const sources = Math.max(
    ...['src', 'templates', 'distros'].map((dir) => newest(path.join(REPO, dir))),
    ...['scripts/dist.js', 'scripts/sea-main.cjs'].map((script) => statSync(path.join(REPO, script)).mtimeMs),
  )
  if (built < sources) throw new Error(`${path.relative(REPO, file)} is missing or older than its sources (src/, templates/, distros/, the dist scripts): run \`npm run dist\` first`)
  return file
}

export const releaseBundle = () => release(RELEASE_BUNDLE)
export const releaseExecutable = () => release(RELEASE_EXECUTABLE)
