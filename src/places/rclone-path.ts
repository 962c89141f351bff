/**
 * Reading rclone paths without contacting anything: which remote a path is on, where it points, whether two paths
 * overlap, and whether a connection string carries a credential.
 */
import path from 'node:path'

/** A parsed rclone path. `remote` is `''` for a local path. */
export interface ParsedPath {
  /** The remote as written, `name` or `:backend,opts`, without the trailing colon; `''` for local. */
  readonly remote: string
  /** The remote's identity for comparisons: name and backend without connection options. */
  readonly remoteId: string
  /** Connection-string options (`:sftp,host=h,user=u:`), as written. */
  readonly options: ReadonlyArray<{ key: string; value: string }>
  /** The path on the remote, normalized: no `.` segments, no duplicate or trailing `/`. Absolute for local paths. */
  readonly path: string
}

/**
 * Splits `remote:path`, `:backend,opt=val:path` and `name,opt=val:path`; anything else is local, resolved against
 * `cwd`. Windows drive letters (`C:\x`, `C:/x`) are local, as rclone treats them.
 */
export function parseRclonePath(p: string, cwd: string): ParsedPath {
  const split = splitRemote(p)
  if (split === undefined) {
    const abs = path.resolve(cwd, p)
    return { remote: '', remoteId: '', options: [], path: normalize(abs) }
  }
  const [name, ...rest] = splitOptions(split.remote)
  const options = rest.map((o) => {
    const eq = o.indexOf('=')
    return eq < 0 ? { key: o, value: 'true' } : { key: o.slice(0, eq), value: unquote(o.slice(eq + 1)) }
  })
  const identity = [
    name ?? '',
    ...options.filter((o) => IDENTITY_KEYS.has(normKey(o.key))).map((o) => `${normKey(o.key)}=${o.value}`),
  ]
  return { remote: split.remote, remoteId: identity.join(','), options, path: normalize(split.path) }
}

// Connection options that change which storage a path points at; others (timeouts, chunk sizes) do not.
const IDENTITY_KEYS = new Set([
  'host',
  'user',
  'port',
  'url',
  'endpoint',
  'bucket',
  'account',
  'region',
  'root_folder_id',
  'team_drive',
  'drive_id',
  'share_name',
  'remote',
])

function normKey(k: string): string {
  return k.trim().toLowerCase().replace(/-/g, '_')
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1).replace(new RegExp(`${v[0]}${v[0]}`, 'g'), v[0])
  }
  return v
}

function splitRemote(p: string): { remote: string; path: string } | undefined {
  if (/^[A-Za-z]:([\\/]|$)/.test(p)) return undefined
  if (p.startsWith('/') || p.startsWith('./') || p.startsWith('../') || p.startsWith('\\')) return undefined
  // Find the colon that ends the remote part, skipping quoted option values.
  let quote = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i]
    if (quote !== '') {
      if (c === quote) quote = ''
      continue
    }
    if ((c === '"' || c === "'") && p[i - 1] === '=') quote = c
    else if (c === '/' && !p.slice(0, i).includes(',')) return undefined
    else if (c === ':') {
      if (i === 0) continue
      return { remote: p.slice(0, i), path: p.slice(i + 1) }
    }
  }
  return undefined
}

function splitOptions(remote: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote = ''
  for (const c of remote) {
    if (quote !== '') {
      cur += c
      if (c === quote) quote = ''
    } else if (c === '"' || c === "'") {
      quote = c
      cur += c
    } else if (c === ',') {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

function normalize(p: string): string {
  const abs = p.startsWith('/')
  const parts: string[] = []
  for (const seg of p.split(/[\\/]+/)) {
    if (seg === '' || seg === '.') continue
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop()
    else parts.push(seg)
  }
  return (abs ? '/' : '') + parts.join('/')
}

/** How `a` relates to `b`: `equal`, `inside` (a is under b), `contains` (b is under a), or `undefined`. */
export function relation(a: ParsedPath, b: ParsedPath): 'equal' | 'inside' | 'contains' | undefined {
  if (a.remoteId !== b.remoteId) return undefined
  if (a.path === b.path) return 'equal'
  if (isUnder(a.path, b.path)) return 'inside'
  if (isUnder(b.path, a.path)) return 'contains'
  return undefined
}

function isUnder(child: string, parent: string): boolean {
  if (parent === '' || parent === '/') return child !== parent
  return child.startsWith(parent.endsWith('/') ? parent : `${parent}/`)
}

/** rclone option names (lower case, `_` for `-`) whose values are credentials: the union of what rclone's backends use. */
const CREDENTIAL_KEY =
  /(?:^|_)(?:pass|password|passwd|pwd|password2|user_password|passphrase|token|bearer|bearer_token|session_token|jwt|secret|client_secret|key|api_key|app_key|account_key|access_key|access_key_id|secret_access_key|sse_customer_key|sse_customer_key_base64|sse_kms_key_id|private_key|key_pem|pem|cert|sas_url|credentials|service_account_credentials|auth)$|pass|secret|token|credential/

/** Option names that name a file holding a credential, not the credential itself. */
const CREDENTIAL_FILE_KEYS = new Set(['key_file', 'pubkey_file', 'known_hosts_file', 'service_account_file'])

/**
 * Whether an rclone option holds a credential. One test serves both validation (connection strings may not carry
 * one) and masking (values of these keys in rclone-config and RCLONE_CONFIG_* are hidden).
 */
export function isCredentialKey(key: string): boolean {
  const k = normKey(key)
  return !CREDENTIAL_FILE_KEYS.has(k) && CREDENTIAL_KEY.test(k)
}

/**
 * The names of options in a connection string that carry a credential (`pass=`, `token=`, `key=`...), and whether
 * a URL in it embeds `user:password@`. Returns the names only: the values are never echoed.
 */
export function credentialKeys(p: string): string[] {
  const split = splitRemote(p)
  const keys: string[] = []
  if (split !== undefined) {
    const [, ...opts] = splitOptions(split.remote)
    for (const o of opts) {
      const key = o.split('=')[0]?.trim() ?? ''
      if (isCredentialKey(key)) keys.push(key)
    }
  }
  if (/[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+:[^/@\s]+@/i.test(p)) keys.push('a user:password@ in a URL')
  return keys
}
