import {readFileSync} from 'node:fs'

/**
 * What ships beside the code: templates/, distros/, package.json and oclif.manifest.json, read here from
 * the package directory (one level above src/ and dist/ alike). The release bundle replaces this module
 * with one holding the same files (scripts/dist.js), so nothing else knows where they live.
 */
const PACKAGE = new URL('../', import.meta.url)

export function readAsset(name: string): string {
  return readFileSync(new URL(name, PACKAGE), 'utf8')
}

/**
 * How xensetup starts itself for the helpers that must be processes of their own (see cli/internal.ts):
 * node with bin/run.js here, the bundle or the executable in a release.
 */
export function selfCommand(): string[] {
  // A file: URL's path, percent-decoded (what node:url's fileURLToPath does on Linux, without loading it for facts).
  return [process.execPath, decodeURIComponent(new URL('bin/run.js', PACKAGE).pathname)]
}

/** What kind of release this is, for --version: none here (a package directory). */
export function releaseKind(): string | null {
  return null
}
