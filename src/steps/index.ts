import {UserError} from '../errors.js'
import type {Step} from '../engine/step.js'
import {bootStep} from './boot.js'
import {bridgeStep} from './bridge.js'
import type {InitContext} from './context.js'
import {lvmStep} from './lvm.js'
import {packagesStep} from './packages.js'
import {servicesStep} from './services.js'
import {xenfsStep} from './xenfs.js'

/** In STEP_IDS order: each step may rely on the ones before it having run. */
const STEPS: Step<InitContext>[] = [packagesStep, bootStep, servicesStep, xenfsStep, bridgeStep, lvmStep]

/** The steps --only and --skip leave, in run order. */
export function selectSteps(only: string[] = [], skip: string[] = []): Step<InitContext>[] {
  const selected = STEPS.filter((step) => (only.length === 0 || only.includes(step.id)) && !skip.includes(step.id))
  if (selected.length === 0) throw new UserError('--only and --skip leave no step to run', `steps: ${STEPS.map((s) => s.id).join(', ')}`)
  return selected
}
