import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT, UserError} from '../cli/errors.js'
import {CATALOGUE} from '../doctor/catalogue.js'
import {evaluate} from '../doctor/evaluate.js'
import {report, reportText} from '../doctor/report.js'
import {hostState} from '../doctor/state.js'
import {gatherFacts} from '../facts/index.js'

export default class Doctor extends BaseCommand {
  static summary = 'Check that this host can run Xen (before) and that its Xen dom0 is healthy (after).'

  static description = `Reads files only (no tools are run), so it is safe and fast anywhere. Each check says PASS, WARN,
FAIL or SKIP with what it found and a fix. Exit 0 when nothing fails (warnings allowed), 1 when a check fails.`

  static examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json', '<%= config.bin %> doctor --explain cpu.slat']

  static flags = {
    explain: Flags.string({summary: 'Print the long explanation of one check by id.'}),
  }

  async run() {
    const {flags} = await this.parse(Doctor)
    if (flags.explain !== undefined) return this.explain(flags.explain)
    const facts = gatherFacts(this.hostAt(flags.root))
    const state = hostState(facts)
    const doc = report(facts, state, evaluate(CATALOGUE, {facts, state}))
    if (doc.summary.fail > 0) process.exitCode = EXIT.failure
    if (!this.jsonEnabled()) process.stdout.write(reportText(doc, flags.verbose))
    return doc
  }

  private explain(id: string) {
    const check = CATALOGUE.find((c) => c.id === id)
    if (!check) throw new UserError(`no check named ${id}`, `ids: ${CATALOGUE.map((c) => c.id).join(', ')}`)
    if (!this.jsonEnabled()) process.stdout.write(`${check.id}: ${check.title}\n\n${check.explain}\n`)
    return {id: check.id, title: check.title, category: check.category, explain: check.explain}
  }
}
