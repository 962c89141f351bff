/**
 * A corpus of malformed job files, built from rules rather than typed out: every key with every wrong kind of
 * value, and YAML that is odd in every way we know (anchors, alias bombs, tags, huge values, deep nesting, binary
 * junk, empty files, BOMs, CRLF, tabs, invalid UTF-8). Every entry must be rejected.
 */
import { jobSchema } from '../../src/jobs/schema.js'

/** One malformed file. */
export interface CorpusEntry {
  readonly name: string
  readonly content: string | Buffer
}

const BASE = 'source: src\ndestinations: [dst]\n'

const WRONG_VALUES: Record<string, string[]> = {
  int: ['"many"', '[1, 2]', '{ a: 1 }', '2.5', '-3', '1e308', 'true', '~'],
  bool: ['"yes"', '1', '[true]', '{ a: 1 }', '~'],
  string: ['[a]', '{ a: 1 }', '~', '12'],
  list: ['"*.jpg"', '{ a: 1 }', '[[nested]]', '[1, 2]', '~'],
  size: ['10X', '"-5"', '1KB', 'lots', '[1]', 'true'],
  duration: ['1d', '"10"', '1h30', 'soon', '[1s]', 'true'],
  age: ['1d2h', 'yesterday', '"2024-13"', '[1d]', 'true'],
}

const OPTION_KINDS: Record<string, keyof typeof WRONG_VALUES> = {
  transfers: 'int',
  'multi-thread-streams': 'int',
  checkers: 'int',
  checksum: 'bool',
  retries: 'int',
  'retries-sleep': 'duration',
  'low-level-retries': 'int',
  contimeout: 'duration',
  timeout: 'duration',
  'fast-list': 'bool',
  'max-delete': 'int',
  'track-renames': 'bool',
  update: 'bool',
  'size-only': 'bool',
  'ignore-existing': 'bool',
  'max-transfer': 'size',
  'max-duration': 'duration',
}

const FILTER_KINDS: Record<string, keyof typeof WRONG_VALUES> = {
  include: 'list',
  exclude: 'list',
  filter: 'list',
  types: 'list',
  'min-size': 'size',
  'max-size': 'size',
  'min-age': 'age',
  'max-age': 'age',
  'max-depth': 'int',
  'ignore-case': 'bool',
}

/** The whole corpus, deterministic. */
export function malformedCorpus(): CorpusEntry[] {
  const out: CorpusEntry[] = []
  const add = (name: string, content: string | Buffer) =>
    out.push({ name: `${String(out.length).padStart(3, '0')}-${name}.yml`, content })

  for (const [key, kind] of Object.entries(OPTION_KINDS)) {
    for (const [i, v] of (WRONG_VALUES[kind] ?? []).entries()) {
      if (kind === 'int' && v === '-3' && (key === 'multi-thread-streams' || key === 'max-delete')) continue
      add(`option-${key}-${i}`, `${BASE}options:\n  ${key}: ${v}\n`)
    }
  }
  for (const [key, kind] of Object.entries(FILTER_KINDS)) {
    for (const [i, v] of (WRONG_VALUES[kind] ?? []).entries()) {
      add(`filter-${key}-${i}`, `${BASE}filters:\n  ${key}: ${v}\n`)
    }
  }
  for (const key of ['name', 'description', 'source', 'mode', 'schedule']) {
    for (const [i, v] of ['[a]', '{ a: 1 }', '~', 'true'].entries()) {
      // A job's `key: null` drops what it would inherit from _defaults.yml (SPEC, Defaults and inheritance): valid
      // for every key a defaults file may set.
      if (v === '~' && key !== 'name' && key !== 'source') continue
      add(
        `top-${key}-${i}`,
        key === 'source' ? `source: ${v}\ndestinations: [dst]\n` : `${BASE}${key}: ${v}\n`,
      )
    }
  }
  for (const key of ['enabled', 'allow-empty-source', 'create-empty-src-dirs']) {
    for (const [i, v] of WRONG_VALUES.bool?.entries() ?? []) {
      if (v !== '~') add(`top-${key}-${i}`, `${BASE}${key}: ${v}\n`)
    }
  }
  for (const key of Object.keys(jobSchema.shape)) add(`typo-${key}`, `${BASE}${key}x: 1\n`)
  for (const [i, d] of [
    '[]',
    '~',
    '"x"',
    '[[a]]',
    '[{ path: ~ }]',
    '[{ path: a, extra: 1 }]',
    '["-x"]',
    '[""]',
  ].entries()) {
    add(`destinations-${i}`, `source: src\ndestinations: ${d}\n`)
  }
  for (const [i, c] of [
    '"* * * *"',
    '"60 * * * *"',
    '"* 24 * * *"',
    '"* * 0 * *"',
    '"* * * 13 *"',
    '"* * * * 7"',
    '"*/0 * * * *"',
    '"5-1 * * * *"',
    '"a b c d e"',
    '""',
  ].entries()) {
    add(`cron-${i}`, `${BASE}schedule: ${c}\n`)
  }
  for (const [i, p] of [
    ':sftp,host=h,pass=x:',
    ':s3,secret_access_key=x:b',
    ':drive,token=x:',
    ':b2,key=x:',
    'r,password=x:',
    ':webdav,url="https://u:p@h":',
    ':ftp,pass="x y":z',
    ':azureblob,sas_url=x:',
  ].entries()) {
    add(`credential-${i}`, `source: '${p}'\ndestinations: [dst]\n`)
  }
  for (const [i, body] of [
    'source: src\ndestinations: [src]\n',
    'source: src\ndestinations: [src/inner]\n',
    'source: src/inner\ndestinations: [src]\n',
    'source: src\ndestinations: [a, a]\n',
    'source: src\ndestinations: [a, a/b]\n',
    'source: src\ndestinations: [r:x, "r:x/"]\n',
    'source: src\ndestinations: [dst]\nfilters: { include: [a], exclude: [b] }\n',
    'source: --delete-before\ndestinations: [dst]\n',
    'source: src\ndestinations: [dst]\noptions: { backup-dir: -x }\n',
  ].entries()) {
    add(`rule-${i}`, body)
  }

  // Odd YAML.
  add('empty', '')
  add('only-comments', '# nothing here\n# at all\n')
  add('only-document-markers', '---\n---\n')
  add('bom-then-error', `\uFEFF${BASE}mode: mirror\n`)
  add('crlf-then-error', `${BASE}options:\n  transfers: 0\n`.replace(/\n/g, '\r\n'))
  add('tab-indent', 'source: src\ndestinations:\n\t- dst\n')
  add('unclosed-flow', 'source: src\ndestinations: [dst\n')
  add('unclosed-quote', 'source: "src\ndestinations: [dst]\n')
  add('duplicate-key', `${BASE}source: other\n`)
  add(
    'anchor-alias-wrong-type',
    'x: &a [1, 2]\nsource: src\ndestinations: [dst]\noptions: { transfers: *a }\n',
  )
  const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 10; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    )
  add('alias-bomb', `${bomb.join('\n')}\n${BASE}`)
  add('undefined-alias', `${BASE}mode: *nowhere\n`)
  add('tag-binary', 'source: !!binary aGVsbG8=\ndestinations: [dst]\n')
  add('tag-python', 'source: !!python/object/apply:os.system ["touch pwned"]\ndestinations: [dst]\n')
  add('tag-custom', 'source: !secret src\ndestinations: [dst]\n')
  add('tag-set', 'source: src\ndestinations: !!set { dst }\n')
  add('huge-name', `name: ${'n'.repeat(100_000)}\n${BASE}`)
  add('huge-number', `${BASE}options: { transfers: ${'9'.repeat(400)} }\n`)
  add('huge-key', `${BASE}${'k'.repeat(50_000)}: 1\n`)
  add('deep-nesting-flow', `${BASE}options: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`)
  add(
    'deep-nesting-block',
    `${BASE}filters:\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(2 * (i + 1))}k${i}:`).join('\n')} 1\n`,
  )
  add('binary-junk', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)))
  add('nul-byte', `source: src\0\ndestinations: [dst]\n`)
  add(
    'invalid-utf8',
    Buffer.concat([
      Buffer.from('source: src\ndestinations: [dst]\nmode: '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('\n'),
    ]),
  )
  add('a-list', '- source: src\n  destinations: [dst]\n')
  add('a-scalar', '42\n')
  add('a-string', '"just a string"\n')
  add('null-document', '~\n')
  add('multi-doc-no-names', `${BASE}---\n${BASE}`)
  add('multi-doc-one-bad', `name: a\n${BASE}---\nname: b\nsource: src\n`)
  add('json-style', '{"source": "src", "destinations": "dst"}\n')
  add('key-not-string', `${BASE}[a, b]: 1\n`)
  // Merge keys are read (YAML 1.1 `<<`); what they merge is validated like any other value.
  add('merge-key-scalar', `${BASE}options:\n  <<: 5\n`)
  add(
    'merge-key-bad-merged-value',
    'source: src\ndestinations:\n  - path: a\n    options: &o { transfers: 0 }\n  - path: b\n    options: { <<: *o }\n',
  )
  add(
    'merge-key-unknown-merged-key',
    `source: src\ndestinations: [dst]\nfilters: &f { max-age: 1d }\noptions:\n  <<: *f\n`,
  )
  add(
    'anchor-other-document',
    `name: a\nsource: &s src\ndestinations: [dst]\n---\nname: b\nsource: *s\ndestinations: [dst2]\n`,
  )
  add('unquoted-cron', `${BASE}schedule: */15 * * * *\n`)
  add('directive', `%YAML 1.1\n---\n${BASE}mode: 7\n`)
  add('control-chars', `source: "src\u0007\u001b[31m"\ndestinations: [dst]\nmode: x\n`)
  return out
}
