import {ALREADY_CONFIGURED, type ApplyEvents, describeChange, type Engine} from './engine.js'
import {failedReport, type Step, type StepReport} from './step.js'
import {Interrupted} from './stop.js'
import {safeText} from '../render/safe-text.js'

export type RendererKind = 'default' | 'simple' | 'silent'

/**
 * Runs the steps in order as listr2 tasks, each as it was shown; the first failure or interruption
 * stops the run (later steps build on earlier ones) and is reported, not thrown, so the result can still
 * be rendered and journaled.
 */
export async function applySteps<C>(
  engine: Engine<C>,
  steps: Step<C>[],
  shown: StepReport[],
  renderer: RendererKind,
  onReplan: ApplyEvents['onReplan'],
): Promise<StepReport[]> {
  const {Listr} = await import('listr2')
  const reports = new Map<string, StepReport>()
  const tasks = new Listr(
    steps.map((step) => ({
      title: step.title,
      task: async (_: unknown, task: {output: string; skip: (message: string) => void}) => {
        const planned = shown.find((report) => report.id === step.id) as StepReport
        try {
          const report = await engine.applyStep(step, planned, {onChange: (change) => (task.output = safeText(describeChange(change))), onReplan})
          reports.set(step.id, report)
          if (report.status === 'skipped') task.skip(safeText(`${step.title}: ${report.reason}`))
          if (report.status === 'unchanged') task.skip(`${step.title}: ${ALREADY_CONFIGURED}`)
        } catch (error) {
          reports.set(step.id, error instanceof Interrupted ? interruptedReport(step, error) : failedReport(step, error))
          // listr2 prints the message as it is: text from the target must reach the terminal escaped.
          throw new Error(safeText(error instanceof Error ? error.message : String(error)))
        }
      },
    })),
    {renderer, fallbackRenderer: 'simple', exitOnError: true, registerSignalListeners: false, collectErrors: false},
  )
  await tasks.run().catch(() => {
    // The failure is in its step's report; listr2 has already shown it.
  })
  return steps.map((step) => reports.get(step.id) ?? {id: step.id, title: step.title, status: 'pending', reason: 'not run', changes: []})
}

function interruptedReport(step: {id: string; title: string}, error: Interrupted): StepReport {
  return {id: step.id, title: step.title, status: 'interrupted', changes: [], error: error.message}
}
