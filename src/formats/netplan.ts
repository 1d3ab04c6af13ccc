/**
 * netplan(5) YAML. Anchors, aliases and `<<` merge keys are resolved when reading (what an entry says is
 * what netplan would see); an edit is kept only when the rewritten file reads back as exactly the
 * intended change, so an entry another one shares through an anchor is never half-removed.
 */
import {isDeepStrictEqual} from 'node:util'
import YAML from 'yaml'

export type NetplanEntry = Record<string, unknown>

export interface NetplanNetwork {
  ethernets?: Record<string, NetplanEntry>
  bridges?: Record<string, NetplanEntry>
}

export interface NetplanFile {
  text: string
  doc: YAML.Document.Parsed
  /** The whole file with aliases and merge keys resolved. */
  data: {network?: NetplanNetwork} | null
  network: NetplanNetwork
}

/** A file netplan's YAML cannot be read, or edited safely, as asked. */
export class NetplanError extends Error {}

const OPTIONS = {merge: true}

export function parseNetplan(text: string): NetplanFile {
  const doc = YAML.parseDocument(text, OPTIONS)
  if (doc.errors.length > 0) throw new NetplanError(`is not valid YAML: ${doc.errors[0].message}`)
  const data = doc.toJS() as NetplanFile['data']
  return {text, doc, data, network: data?.network ?? {}}
}

/**
 * The file's text without `ethernets.<id>` (and without `ethernets` if that leaves it empty), in the
 * file's own indentation. Refused when the entry is shared through YAML anchors or merge keys: removing
 * it would change, or break, the entries that refer to it.
 */
export function withoutEthernet(file: NetplanFile, id: string): string {
  const doc = file.doc.clone()
  doc.deleteIn(['network', 'ethernets', id])
  const ethernets = doc.getIn(['network', 'ethernets'])
  if (YAML.isMap(ethernets) && ethernets.items.length === 0) doc.deleteIn(['network', 'ethernets'])
  let after: string | undefined
  try {
    after = doc.toString({indent: indentOf(file.text), flowCollectionPadding: false})
  } catch {
    // An alias elsewhere whose anchor left with the entry cannot be written at all.
  }
  if (after === undefined || !readsAs(after, withoutEntry(file, id))) {
    throw new NetplanError(`shares ethernets.${id} through YAML anchors, aliases or merge keys, so it cannot be removed alone; write it out in full and re-run`)
  }
  return after
}

function readsAs(text: string, expected: NetplanFile['data']): boolean {
  const doc = YAML.parseDocument(text, OPTIONS)
  return doc.errors.length === 0 && isDeepStrictEqual(doc.toJS(), expected)
}

/** What the file should read as once the entry is gone. */
function withoutEntry(file: NetplanFile, id: string): NetplanFile['data'] {
  const data = file.doc.toJS() as NetplanFile['data']
  const ethernets = data?.network?.ethernets
  if (ethernets) {
    delete ethernets[id]
    if (Object.keys(ethernets).length === 0) delete data.network?.ethernets
  }
  return data
}

/** Keep the file's own indentation when writing it back (cloud-init indents by 4). */
function indentOf(text: string): number {
  const first = /^( +)\S/m.exec(text)
  return first ? first[1].length : 2
}

/** Entries as YAML for a template slot: keys at `spaces` indentation, nothing when empty. */
export function yamlBlock(entry: NetplanEntry, spaces: number): string {
  if (Object.keys(entry).length === 0) return ''
  const pad = ' '.repeat(spaces)
  return YAML.stringify(entry, {indent: 2, flowCollectionPadding: false})
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line)
    .join('\n')
}
