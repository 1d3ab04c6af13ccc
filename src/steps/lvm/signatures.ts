import {StepFailure} from '../../engine/step.js'
import {type CommandRunner, displayArgv, outputTail} from '../../host/runner.js'

/** One magic string on the device, as `wipefs --no-act --json` reports it. */
export interface Signature {
  type: string
  uuid: string | null
  label: string | null
}

export const LVM_PV_SIGNATURE = 'LVM2_member'

/**
 * Every file system, partition table, RAID and LVM signature on the device. wipefs rather than blkid -p:
 * it lists each signature (blkid reports one, or none when they are ambiguous), and its list is exactly
 * what `wipefs --all` would erase under --force-wipe. --no-act makes it read-only.
 */
export async function probeSignatures(probe: CommandRunner, device: string): Promise<Signature[]> {
  const argv = ['wipefs', '--no-act', '--json', device]
  const result = await probe.run(argv)
  if (result.failed) {
    throw new StepFailure(`cannot look for signatures on ${device}: ${displayArgv(argv)} failed: ${outputTail(result, 1) || `exit ${result.exitCode}`}`)
  }
  return parseWipefsJson(result.stdout)
}

export function parseWipefsJson(stdout: string): Signature[] {
  if (stdout.trim() === '') return []
  let parsed: {signatures?: Array<Partial<Signature>>}
  try {
    parsed = JSON.parse(stdout)
  } catch {
    throw new StepFailure('wipefs --json printed something that is not JSON', stdout.slice(0, 500))
  }
  return (parsed.signatures ?? []).map((found) => ({
    type: found.type ?? 'unknown',
    uuid: found.uuid ?? null,
    label: found.label ?? null,
  }))
}

/** "ext4 (label "guests", UUID …)", one entry per signature type. */
export function describeSignatures(signatures: Signature[]): string {
  const types = [...new Set(signatures.map((found) => found.type))]
  return types
    .map((type) => {
      const first = signatures.find((found) => found.type === type) as Signature
      const details = [first.label ? `label "${first.label}"` : '', first.uuid ? `UUID ${first.uuid}` : ''].filter(Boolean)
      return details.length > 0 ? `${type} (${details.join(', ')})` : type
    })
    .join(', ')
}

/** What LVM says about an existing PV: in no VG, in a named VG, or unreadable (with LVM's words). */
export type PvMembership = {vg: string | null} | {unreadable: string}

/** pvs only reads metadata; it runs only when the device already carries a PV label. */
export async function probePvMembership(probe: CommandRunner, device: string, env: Record<string, string>): Promise<PvMembership> {
  const result = await probe.run(['pvs', '--noheadings', '--options', 'vg_name', device], {env})
  if (result.failed) return {unreadable: outputTail(result, 3)}
  const vg = result.stdout.trim()
  return {vg: vg === '' ? null : vg}
}
