/**
 * Reading rclone path spellings without contacting anything: the remote part, connection options, and whether a
 * connection string or a URL carries a credential. Where a path points is `place.ts`'s question.
 */

/** The platform whose rules read a spelling: rclone reads `C:` as a drive only when it runs on Windows. */
export type PathRules = NodeJS.Platform

/**
 * The remote part and the path of a spelling: `remote:path`, `:backend,opt=val:path`, `name,opt=val:path`; undefined
 * for a local path. As rclone's `fspath.Parse` reads it: a `/` or `\\` before the first `:` or `,` makes the spelling
 * local on every platform; a one-letter name before the `:` (`C:\\x`, `C:/x`, `c:x`) is a drive, so local, only on
 * Windows: elsewhere it is the remote named `C` (see `windowsPathWarning`).
 */
export function splitRemote(
  p: string,
  platform: PathRules = process.platform,
): { remote: string; path: string } | undefined {
  if (platform === 'win32' && /^[A-Za-z]:/.test(p)) return undefined
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
    else if ((c === '/' || c === '\\') && !p.slice(0, i).includes(',')) return undefined
    else if (c === ':') {
      if (i === 0) continue
      return { remote: p.slice(0, i), path: p.slice(i + 1) }
    }
  }
  return undefined
}

/**
 * A warning for a spelling that means a Windows folder but is read otherwise on this platform: `C:\\Users\\me` on
 * Linux or macOS is the remote named `C` (rclone then fails with "didn't find section in config file"), and
 * `\\\\server\\share` is a relative local folder with backslashes in its name. Undefined when the spelling reads
 * the same everywhere, and on Windows. `remote` (with a config) silences the warning for a one-letter remote that
 * really exists.
 */
export function windowsPathWarning(
  spelling: string,
  platform: PathRules = process.platform,
  remote?: (name: string) => unknown,
): string | undefined {
  if (platform === 'win32') return undefined
  const drive = /^([A-Za-z]):(?:[\\/]|$)/.exec(spelling)?.[1]
  if (drive !== undefined && remote?.(drive) === undefined) {
    return `"${spelling}" looks like a Windows path, but on this ${runnerName(platform)} runner rclone reads "${drive}:" as the name of a remote (and fails with "didn't find section in config file"); run this job on a Windows runner, or use a path of this runner`
  }
  if (/^\\\\[^\\/]+[\\/]/.test(spelling)) {
    return `"${spelling}" looks like a Windows network share, but on this ${runnerName(platform)} runner it is a local folder in the working directory whose name starts with backslashes; run this job on a Windows runner, or use an smb remote`
  }
  return undefined
}

function runnerName(platform: PathRules): string {
  return platform === 'darwin' ? 'macOS' : platform === 'linux' ? 'Linux' : platform
}

/** Splits `name,opt=val,opt2="a,b"` on the commas outside quotes. */
export function splitOptions(remote: string): string[] {
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

/** An option value as rclone reads it: quotes removed, a doubled quote inside read as one. */
export function parseOptionValue(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1).replace(new RegExp(`${v[0]}${v[0]}`, 'g'), v[0])
  }
  return v
}

function normKey(k: string): string {
  return k.trim().toLowerCase().replace(/-/g, '_')
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
  for (const found of urlsIn(p)) {
    if (found.password !== '') keys.push('a user:password@ in a URL')
    for (const q of found.query) keys.push(`a ${q.name}= in a URL's query`)
  }
  return [...new Set(keys)]
}

/** Query parameter names that carry a credential in signed or token URLs, beyond the option names above. */
const URL_CREDENTIAL_PARAM =
  /^(?:sig|signature|code|x_amz_signature|x_amz_credential|x_amz_security_token|x_goog_signature|x_goog_credential)$/

/** A URL found in text, with the credential parts it carries (raw, as written). */
interface FoundUrl {
  readonly password: string
  readonly query: ReadonlyArray<{ name: string; value: string }>
}

/** Every `scheme://...` URL in a text, with its `user:password@` password and credential query values. */
function urlsIn(text: string): FoundUrl[] {
  const out: FoundUrl[] = []
  for (const m of text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi)) {
    const raw = m[0]
    const auth = /^[^:]+:\/\/([^/?#@\s]*)@/.exec(raw)?.[1] ?? ''
    const colon = auth.indexOf(':')
    const password = colon < 0 ? '' : auth.slice(colon + 1)
    const query: Array<{ name: string; value: string }> = []
    const q = raw.indexOf('?')
    if (q >= 0) {
      for (const pair of raw.slice(q + 1).split(/[&;#]/)) {
        const eq = pair.indexOf('=')
        if (eq <= 0) continue
        const name = pair.slice(0, eq)
        const value = pair.slice(eq + 1)
        const key = normKey(decodeSafe(name))
        if (value !== '' && (isCredentialKey(key) || URL_CREDENTIAL_PARAM.test(key)))
          query.push({ name, value })
      }
    }
    out.push({ password, query })
  }
  return out
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/**
 * The credential values inside URLs in a text (a password in `user:pass@`, a token in the query string), each as
 * written and decoded, for masking. Short values are kept too: a URL's secret is a secret at any length.
 */
export function urlSecrets(text: string): string[] {
  const out = new Set<string>()
  for (const u of urlsIn(text)) {
    for (const v of [u.password, ...u.query.map((q) => q.value)]) {
      if (v === '') continue
      out.add(v)
      const decoded = decodeSafe(v)
      if (decoded !== v) out.add(decoded)
    }
  }
  return [...out]
}
