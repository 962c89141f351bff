/**
 * `filters.types`: predefined groups of file extensions (the categories of RcloneView's filter presets), turned into
 * rclone filter rules. The README's list of extensions is generated from FILE_TYPES. Pure.
 */

/**
 * The extensions of each type, lower case. Extensions that commonly mean something else are left out on purpose
 * (`.ts` is TypeScript as often as an MPEG stream; `.key` is a private key as often as a Keynote deck).
 */
export const FILE_TYPES = {
  image: [
    'jpg',
    'jpeg',
    'png',
    'gif',
    'bmp',
    'tif',
    'tiff',
    'webp',
    'heic',
    'heif',
    'avif',
    'svg',
    'ico',
    'psd',
    'raw',
    'dng',
    'cr2',
    'cr3',
    'nef',
    'arw',
    'orf',
    'rw2',
    'raf',
  ],
  video: [
    'mp4',
    'm4v',
    'mov',
    'avi',
    'mkv',
    'wmv',
    'flv',
    'webm',
    'mpg',
    'mpeg',
    '3gp',
    'mts',
    'm2ts',
    'vob',
    'ogv',
  ],
  audio: [
    'mp3',
    'wav',
    'flac',
    'aac',
    'm4a',
    'ogg',
    'oga',
    'opus',
    'wma',
    'aif',
    'aiff',
    'alac',
    'ape',
    'mid',
    'midi',
  ],
  document: [
    'pdf',
    'doc',
    'docx',
    'xls',
    'xlsx',
    'ppt',
    'pptx',
    'odt',
    'ods',
    'odp',
    'rtf',
    'txt',
    'md',
    'csv',
    'epub',
  ],
  archive: ['zip', 'rar', '7z', 'tar', 'gz', 'tgz', 'bz2', 'tbz2', 'xz', 'txz', 'zst', 'iso', 'dmg', 'cab'],
} as const satisfies Record<string, readonly string[]>

/** A type name. */
export type FileType = keyof typeof FILE_TYPES

/** The type names, in the order the README lists them. */
export const FILE_TYPE_NAMES = Object.keys(FILE_TYPES) as [FileType, ...FileType[]]

/**
 * The include rule of one type, case-insensitive by character classes (`*.{[jJ][pP][gG],...}`), which rclone has
 * read since long before 1.60: `--ignore-case` would also change how the job's own rules match.
 */
export function typeRule(type: FileType): string {
  const anyCase = (ext: string) =>
    [...ext].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('')
  return `+ *.{${FILE_TYPES[type].map(anyCase).join(',')}}`
}

/** The rule that ends a typed filter: everything that no rule before it included is left out, at any depth. */
export const TYPES_END_RULE = '- **'

/**
 * The whole rule list of filters with `types`, in the documented order: the `exclude` patterns as `-` rules, the
 * job's own `filter` rules, one `+` rule per type, then `- **`. (`include` with `types` is refused by validation.)
 */
export function typedFilterRules(filters: {
  readonly types?: readonly FileType[]
  readonly exclude?: readonly string[]
  readonly filter?: readonly string[]
}): string[] {
  const types = [...new Set(filters.types ?? [])]
  if (types.length === 0) return []
  return [
    ...(filters.exclude ?? []).map((p) => `- ${p}`),
    ...(filters.filter ?? []),
    ...types.map(typeRule),
    TYPES_END_RULE,
  ]
}

/**
 * Whether a filter rule matches every file (`- *`, `+ **`, `- /**`...): after one, the type rules would never be
 * reached.
 */
export function isCatchAllRule(rule: string): boolean {
  return /^[+-] \/?\*\*?$/.test(rule.trim())
}

/** The README's table of types and their extensions. */
export function fileTypesMarkdown(): string {
  return [
    '| type | extensions (any case) |',
    '| --- | --- |',
    ...FILE_TYPE_NAMES.map((t) => `| \`${t}\` | ${FILE_TYPES[t].map((e) => `\`.${e}\``).join(' ')} |`),
    '',
  ].join('\n')
}
