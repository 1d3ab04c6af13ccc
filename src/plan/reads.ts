import path from 'node:path'
import type {Host, ReadFacet, ReadRecorder, ReadSeen} from '../host/host.js'
import {sha256Of} from './canonical.js'

/** Target path → what each kind of read saw there (a content hash, a kind, a listing hash, a link). */
export type Reads = Record<string, Partial<Record<ReadFacet, string>>>

export interface Drift {
  path: string
  facet: ReadFacet
  planned: string
  now: string
}

/**
 * Trees that change by themselves (kernel state, run state, logs, xensetup's own journal and lock): a
 * plan that recorded them would drift by the next minute, and its steps do not decide from them alone.
 */
const VOLATILE = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/lib/xensetup', '/var/log']

export function isVolatile(target: string): boolean {
  const normal = path.posix.normalize(target)
  return VOLATILE.some((tree) => normal === tree || normal.startsWith(`${tree}/`))
}

/** Collects what a plan read; the first sight of each path and facet is what the plan was made from. */
export function readRecorder(): {recorder: ReadRecorder; reads: Reads} {
  const reads: Reads = {}
  const recorder: ReadRecorder = (target, facet, seen) => {
    if (isVolatile(target)) return
    const facets = (reads[target] ??= {})
    facets[facet] ??= asRecorded(seen)
  }
  return {recorder, reads}
}

/** Reads every recorded path again the same way: each one that reads differently now is drift. */
export function driftOf(host: Host, reads: Reads): Drift[] {
  return Object.entries(reads).flatMap(([target, facets]) =>
    Object.entries(facets).flatMap(([facet, planned]) => {
      const now = readAgain(host, target, facet as ReadFacet)
      return now === planned ? [] : [{path: target, facet: facet as ReadFacet, planned: planned as string, now}]
    }),
  )
}

/** The same Host read as while planning, with the recorder catching what it sees (an error included). */
function readAgain(host: Host, target: string, facet: ReadFacet): string {
  let seen = 'not read'
  const previous = host.recorder
  host.recorder = (read, readFacet, value) => {
    if (read === target && readFacet === facet) seen = asRecorded(value)
  }
  try {
    if (facet === 'content') host.readFile(target)
    else if (facet === 'kind') host.kind(target)
    else if (facet === 'list') host.list(target)
    else if (facet === 'link') host.readlink(target)
    else if (facet === 'owner') host.owner(target)
    else host.head(target, Number(facet.slice('head:'.length)))
  } catch {
    // The recorder has seen why it could not be read: that is the answer to compare.
  } finally {
    host.recorder = previous
  }
  return seen
}

/** Bytes are kept as their hash: the plan says what was read, not the content itself. */
function asRecorded(seen: ReadSeen): string {
  return typeof seen === 'string' ? seen : sha256Of(seen.bytes)
}
