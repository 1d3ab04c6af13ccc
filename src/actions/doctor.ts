import type {Call} from '../cli/call.js'
import {runDoctor, type DoctorFlags} from '../doctor/run-doctor.js'

export default async function doctor({flags, say}: Call<DoctorFlags>) {
  const outcome = await runDoctor(flags)
  process.exitCode = outcome.exitCode
  say(outcome.text)
  return outcome.document
}
