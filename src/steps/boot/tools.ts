import type {Host} from '../../host/host.js'
import {COMMAND_ENV} from '../../host/runner.js'

/** Where the commands xensetup runs are looked up: the PATH it gives them. */
const TOOL_DIRS = COMMAND_ENV.PATH.split(':')

/** "<tool> is not installed in <root>" for each tool the target lacks, or undefined when all are there. */
export function toolMissing(host: Host, ...tools: string[]): string | undefined {
  const missing = tools.filter((tool) => !TOOL_DIRS.some((dir) => host.exists(`${dir}/${tool}`)))
  if (missing.length === 0) return undefined
  return `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed in ${host.display('/')}`
}
