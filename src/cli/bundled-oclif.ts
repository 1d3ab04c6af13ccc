import {flush, handle, Plugin, run} from '@oclif/core'
import {COMMANDS} from 'xensetup:commands'
import {readAsset} from '../assets.js'

/**
 * oclif without a package directory: the bundle has no package.json, manifest or commands/ on disk, so
 * the root plugin is made here from the embedded package.json, with its commands given rather than
 * found (oclif's "explicit" discovery, its cache filled before it looks).
 */
export async function runOclif(argv: string[]): Promise<void> {
  const pjson = JSON.parse(readAsset('package.json'))
  // No plugins to find: @oclif/plugin-help's command is among COMMANDS.
  pjson.oclif = {...pjson.oclif, plugins: [], commands: {strategy: 'explicit', target: 'bundle', identifier: 'COMMANDS'}}
  // A directory that holds nothing of oclif's, so it reads no manifest, theme or tsconfig by accident.
  const root = '/nonexistent/xensetup'
  const plugin = new Plugin({root, pjson, isRoot: true, ignoreManifest: true})
  Object.assign(plugin, {commandCache: COMMANDS})
  await plugin.load()
  try {
    await run(argv, {root, pjson, plugins: new Map([[plugin.name, plugin]]), userPlugins: false, devPlugins: false, jitPlugins: false})
    await flush()
  } catch (error) {
    await handle(error as Error)
  }
}
