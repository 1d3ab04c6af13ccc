import {EXIT, UserError} from '../errors.js'

/**
 * A flag that counts (vCPUs, seconds), given as decimal digits. oclif's integer flags are not used: the
 * manifest does not say a flag is one, and the fast path must parse exactly as oclif does.
 */
export function countFlag(name: string, text: string, {min}: {min: number}): number {
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!(count >= min)) throw new UserError(`--${name} ${text} is not a whole number of at least ${min}`, `e.g. --${name} ${Math.max(min, 1) * 2}`, EXIT.usage)
  return count
}
