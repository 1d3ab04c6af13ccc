import {readFileSync} from 'node:fs'

/** xensetup's version from package.json (one level above src/ and dist/ alike), for the journal. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
