import {bashScript} from './completion/bash.js'
import {buildModel} from './completion/model.js'
import {zshScript} from './completion/zsh.js'
import type {Manifest} from './manifest.js'

/** A completion script for bash or zsh, from the commands oclif's manifest describes. */
export function completionScript(shell: 'bash' | 'zsh', manifest: Manifest, topics: Record<string, {description: string}>): string {
  const model = buildModel(manifest, topics)
  return shell === 'bash' ? bashScript(model) : zshScript(model)
}
