/**
 * The remotes an rclone config defines, read without rclone: sections of an rclone.conf text and
 * `RCLONE_CONFIG_<NAME>_<KEY>` variables, looked up as rclone does (a variable wins over the file; names in
 * variables are upper case). Pure.
 */
import type { RemoteDefinition } from './place.js'

/** Looks up a remote by the name a path uses, or undefined when neither the config nor the environment has it. */
export type RemoteLookup = (name: string) => RemoteDefinition | undefined

/** Parses the sections of an rclone.conf text: `[name]` then `key = value` lines. */
export function parseConfigSections(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>()
  let current: Record<string, string> | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header) {
      current = {}
      sections.set((header[1] as string).trim(), current)
      continue
    }
    const eq = line.indexOf('=')
    if (current === undefined || eq < 0) continue
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim()
  }
  return sections
}

/** A lookup over a config text and the environment; each name is looked up once. */
export function remoteLookup(configText: string, env: NodeJS.ProcessEnv): RemoteLookup {
  const sections = parseConfigSections(configText)
  const configVars = Object.entries(env).filter(
    (e): e is [string, string] => e[1] !== undefined && e[0].startsWith('RCLONE_CONFIG_'),
  )
  const known = new Map<string, RemoteDefinition | undefined>()
  return (name) => {
    if (known.has(name)) return known.get(name)
    const prefix = `RCLONE_CONFIG_${name.toUpperCase()}_`
    const fromEnv: Record<string, string> = {}
    for (const [k, v] of configVars) {
      if (k.startsWith(prefix)) fromEnv[k.slice(prefix.length).toLowerCase()] = v
    }
    const options = { ...(sections.get(name) ?? {}), ...fromEnv }
    const type = options.type
    let found: RemoteDefinition | undefined
    if (type !== undefined && type !== '') {
      const { type: _, ...rest } = options
      found = { type, options: rest }
    }
    known.set(name, found)
    return found
  }
}

/**
 * The names of the remotes a config text and `RCLONE_CONFIG_<NAME>_TYPE` variables define (variable names in lower
 * case, as rclone matches them without case), or undefined when there is no config at all: then which remotes exist
 * is unknown, and nothing may be called unknown.
 */
export function configuredRemotes(configText: string, env: NodeJS.ProcessEnv): string[] | undefined {
  const names = new Set<string>()
  for (const [name, options] of parseConfigSections(configText)) if (options.type) names.add(name)
  for (const [key, value] of Object.entries(env)) {
    const m = /^RCLONE_CONFIG_(.+)_TYPE$/.exec(key)
    if (m && value) names.add((m[1] as string).toLowerCase())
  }
  if (names.size === 0 && configText.trim() === '') return undefined
  return [...names].sort()
}
