import {readAsset} from '../assets.js'
import type {Call} from '../cli/call.js'
import {completionScript} from '../cli/completion.js'
import {manifestCommands} from '../cli/manifest.js'

export default async function completion({args, print}: Call<object, {shell: 'bash' | 'zsh'}>) {
  const topics = JSON.parse(readAsset('package.json')).oclif?.topics ?? {}
  print(completionScript(args.shell, manifestCommands() ?? {}, topics))
}
