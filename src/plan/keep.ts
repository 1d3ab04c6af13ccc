import path from 'node:path'
import type {PlanHooks, RunDocument} from '../engine/session.js'
import type {StepReport} from '../engine/step.js'
import {EXIT, UserError} from '../errors.js'
import {Host} from '../host/host.js'
import {canonicalJson} from './canonical.js'
import {type FlagValue, type PlanCommand, planDocument} from './document.js'
import {readRecorder} from './reads.js'

/** Flags of the run itself, not of what it plans: a plan file never carries them. */
const RUN_FLAGS = new Set(['dry-run', 'yes', 'verbose', 'root', 'json', 'out', 'console'])

interface PlanWritten {
  plan: {file: string; digest: string; command: PlanCommand} | null
}

/**
 * `--dry-run --out FILE`: the dry run, with every read it made recorded, then its plan written to FILE on
 * this machine (not in --root), mode 0600 (a VNC password may be in it). A plan with a step that cannot
 * be done is not written.
 */
export async function keepPlan<D extends RunDocument>(
  out: string,
  dryRun: boolean,
  what: {command: PlanCommand; arguments: Record<string, string>; target: Host},
  json: boolean,
  print: (text: string) => void,
  run: (hooks: PlanHooks) => Promise<D>,
): Promise<D & PlanWritten> {
  if (!dryRun) throw new UserError('--out writes the plan of a dry run', 'add --dry-run, review the file, then apply it with `xensetup apply FILE`', EXIT.usage)
  const file = path.resolve(out)
  // The plan is the reviewer's, on this machine: written into the target it would be a file of the target's
  // that no confined write made (and the plan would read it).
  if (!what.target.isLive && (file === what.target.root || file.startsWith(`${what.target.root}/`))) {
    throw new UserError(`--out ${out} is inside the target ${what.target.root}`, 'write the plan outside --root, e.g. under /root or /tmp', EXIT.usage)
  }
  const {recorder, reads} = readRecorder()
  let shown: StepReport[] | null = null
  let made: {flags: object; facts: Record<string, unknown>} | null = null
  const document = await run({keep: {recorder, planned: (steps) => (shown = steps), madeFrom: (flags, facts) => (made = {flags, facts})}})
  if (shown === null || made === null) {
    if (!json) print(`No plan was written to ${file}.\n`)
    return {...document, plan: null}
  }
  const {flags, facts} = made as {flags: object; facts: Record<string, unknown>}
  const plan = await planDocument(what.target, {command: what.command, arguments: what.arguments, flags: planFlags(flags), facts}, shown, reads)
  new Host('/').write(file, canonicalJson(plan), 'utf8', {mode: 0o600, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0})
  const root = what.target.isLive ? '' : ` --root ${what.target.root}`
  if (!json) print(`Plan written to ${file}: review it, then apply exactly it with \`xensetup apply${root} ${out}\`.\n`)
  return {...document, plan: {file, digest: plan.digest, command: what.command}}
}

/** The command's own flags with their resolved values; none left out means none defaulted differently later. */
function planFlags(flags: object): Record<string, FlagValue> {
  return Object.fromEntries(
    Object.entries(flags)
      .filter(([name]) => !RUN_FLAGS.has(name))
      .map(([name, value]) => [name, value ?? null]),
  )
}
