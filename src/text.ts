/** Small pieces of wording every layer uses: a basic module, importing nothing. */

/** `n word` or `n words`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The first line of a message, trimmed (a YAML error or an rclone error can run on over several). */
export function firstLine(text: string): string {
  return (text.split('\n')[0] as string).trim()
}
