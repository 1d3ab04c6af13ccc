import {xenServicesByInit} from '../facts/xen.js'

/** A distros/*.json file that is not a profile, naming the file and the key. */
export class ProfileError extends Error {}

type Json = Record<string, unknown>
type Rule = (value: unknown, key: string) => void

const MECHANISMS = ['grub-dropin', 'grub-default-file']
const MANAGERS = ['systemd', 'openrc'] as const
const INITS = ['systemd', 'openrc', 'sysv']
/** Stacks whose bridge can be written for a target that configures no NIC yet and is not running. */
const DEFAULT_NETWORK_STACKS = ['ifupdown'] as const
export type DefaultNetworkStack = (typeof DEFAULT_NETWORK_STACKS)[number]

/**
 * Checks a parsed profile file; throws a ProfileError naming `file` and the key. Unknown keys are errors
 * too: a misspelt optional key would otherwise be ignored without a word.
 */
export function validateProfileFile(file: string, data: unknown, family: string): void {
  const fail = (key: string, problem: string): never => {
    throw new ProfileError(`${file}: ${key} ${problem}`)
  }
  const string: Rule = (value, key) => {
    if (typeof value !== 'string' || value === '') fail(key, 'must be a non-empty string')
  }
  const strings: Rule = (value, key) => {
    if (!Array.isArray(value)) fail(key, 'must be an array of strings')
    ;(value as unknown[]).forEach((item, index) => string(item, `${key}[${index}]`))
  }
  const argv: Rule = (value, key) => {
    strings(value, key)
    if ((value as unknown[]).length === 0) fail(key, 'must name a command')
  }
  const oneOf =
    (allowed: readonly string[]): Rule =>
    (value, key) => {
      if (typeof value !== 'string' || !allowed.includes(value)) fail(key, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`)
    }
  const object = (rules: Record<string, Rule>, optional: string[] = []): Rule => {
    return (value, key) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key || 'the file', 'must be an object')
      const json = value as Json
      const at = (name: string) => (key ? `${key}.${name}` : name)
      for (const name of Object.keys(json)) if (!(name in rules)) fail(at(name), `is not a profile key (known: ${Object.keys(rules).join(', ')})`)
      for (const [name, rule] of Object.entries(rules)) {
        if (name in json) rule(json[name], at(name))
        else if (!optional.includes(name)) fail(at(name), 'is missing')
      }
    }
  }
  const nullable =
    (rule: Rule): Rule =>
    (value, key) => {
      if (value !== null) rule(value, key)
    }
  const services: Rule = (value, key) => {
    object({manager: oneOf(MANAGERS), enable: strings})(value, key)
    const {manager, enable} = value as {manager: (typeof MANAGERS)[number]; enable: string[]}
    // The facts report only the services they know of; one they don't would vanish from doctor's check.
    const unknown = enable.filter((name) => !xenServicesByInit[manager].includes(name))
    if (unknown.length > 0) fail(`${key}.enable`, `names ${unknown.join(', ')}, which the facts do not look for under ${manager} (known: ${xenServicesByInit[manager].join(', ')})`)
  }
  const boot: Rule = (value, key) => {
    object(
      {
        mechanism: oneOf(MECHANISMS),
        grubCfg: string,
        mkconfig: argv,
        setDefault: argv,
        oneTime: argv,
        unsetDefault: argv,
        dropInDir: string,
        kernelConfigs: strings,
        kernelUpdateResets: object({file: string, variable: string, keep: string}),
        extlinux: object({settings: string, config: string, update: argv}),
      },
      ['dropInDir', 'kernelConfigs', 'kernelUpdateResets', 'extlinux'],
    )(value, key)
    const {mechanism, dropInDir} = value as Json
    if (mechanism === 'grub-dropin' && dropInDir === undefined) fail(`${key}.dropInDir`, 'is missing (grub-dropin writes there)')
  }
  const packageLists = {xen: strings, bridge: strings, lvm: strings}
  const settings: Record<string, Rule> = {
    about: string,
    install: argv,
    refresh: argv,
    packages: object(packageLists),
    prebuilt: object({package: string, hint: string}),
    installedWhen: (value, key) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, 'must be an object')
      for (const [name, paths] of Object.entries(value as Json)) strings(paths, `${key}.${name}`)
    },
    purge: object({exact: argv, withUnneeded: argv}),
    boot,
    services,
    xenfs: object({mountedBy: nullable(string)}),
    network: object({default: oneOf(DEFAULT_NETWORK_STACKS), packages: strings}),
  }
  // A variant's package lists are laid over the family's one by one; its other settings replace them whole.
  const variant = object(
    {match: object({id: string, versionId: string, init: oneOf(INITS)}, ['id', 'versionId', 'init']), ...settings, packages: object(packageLists, Object.keys(packageLists))},
    Object.keys(settings),
  )
  object(
    {
      family: (value, key) => {
        if (value !== family) fail(key, `must be "${family}", the file's name (got ${JSON.stringify(value)})`)
      },
      ...settings,
      variants: (value, key) => {
        if (!Array.isArray(value)) fail(key, 'must be an array')
        ;(value as unknown[]).forEach((item, index) => variant(item, `${key}[${index}]`))
      },
    },
    ['refresh', 'prebuilt', 'installedWhen', 'network', 'variants'],
  )(data, '')
  type Lists = {packages?: Record<string, string[]>; network?: {packages: string[]}}
  const {installedWhen, variants = [], ...base} = data as Lists & {installedWhen?: Json; variants?: Lists[]}
  if (installedWhen) {
    const named = [base, ...variants].flatMap((lists) => [...Object.values(lists.packages ?? {}).flat(), ...(lists.network?.packages ?? [])])
    const unproven = [...new Set(named)].filter((name) => !(name in installedWhen))
    if (unproven.length > 0) fail('installedWhen', `has no file for ${unproven.join(', ')}: without one the package would always count as missing`)
  }
}
