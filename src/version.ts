import {readAsset} from './assets.js'

/** xensetup's version from package.json, for the journal and kept plans. */
export const VERSION: string = JSON.parse(readAsset('package.json')).version
