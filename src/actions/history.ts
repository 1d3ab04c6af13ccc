import type {Call} from '../cli/call.js'
import {openHost} from '../host/open.js'
import {historyOf, historyText} from '../journal/history.js'
import {readRuns} from '../journal/runs.js'

export default async function history({flags, say}: Call) {
  const runs = historyOf(readRuns(openHost(flags.root)))
  say(historyText(runs))
  return {runs}
}
