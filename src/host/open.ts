import {EXIT, UserError} from '../errors.js'
import {Host} from './host.js'

/**
 * The target machine; a --root that is empty, missing or not a directory is a usage error (an empty
 * one would otherwise mean the working directory). A root that resolves to / is the live machine.
 */
export function openHost(root: string): Host {
  if (root.trim() === '') throw new UserError('--root is empty', 'give the directory that holds the target root file system, or leave --root out for this machine', EXIT.usage)
  const host = new Host(root)
  if (!host.isDirectory('/')) {
    throw new UserError(`--root ${root} is not a directory`, 'give the directory that holds the target root file system', EXIT.usage)
  }
  return host
}
