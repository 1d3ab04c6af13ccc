/** A domain as `xl list` shows it. */
export interface RunningDomain {
  name: string
  id: number
  memoryMiB: number
  vcpus: number
  /** xl's six state letters, e.g. "-b----" or "r-----". */
  state: string
}

/** `xl list` output: a header line, then `Name ID Mem VCPUs State Time(s)` per domain (names have no spaces). */
export function parseXlList(text: string): RunningDomain[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 5 && /^\d+$/.test(fields[1]) && /^\d+$/.test(fields[2]))
    .map(([name, id, memory, vcpus, state]) => ({name, id: Number(id), memoryMiB: Number(memory), vcpus: Number(vcpus), state}))
}

/** What the state letters mean for a person: running, blocked (idle), paused, shutdown, crashed, dying. */
export function describeDomainState(state: string): string {
  const names = ['running', 'idle', 'paused', 'shutting down', 'crashed', 'dying']
  const set = names.filter((_, i) => state[i] !== undefined && state[i] !== '-')
  return set.length > 0 ? set.join(', ') : 'idle'
}
