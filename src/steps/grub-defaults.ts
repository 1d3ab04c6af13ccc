import {type Step, StepFailure} from '../engine/step.js'
import type {InitContext} from './context.js'

/**
 * grub-mkconfig sources /etc/default/grub and its drop-ins: one the shell cannot parse makes it fail
 * after the step has written its files, so the step is refused up front, naming the file and line.
 */
export function refusingUnsourceableGrubDefaults(step: Step<InitContext>): Step<InitContext> {
  return {
    ...step,
    async plan(context) {
      const error = context.facts.boot.grubDefaultsError
      if (error) throw new StepFailure(`${error}; grub-mkconfig cannot source it, so fix it and re-run`)
      return step.plan(context)
    },
  }
}
