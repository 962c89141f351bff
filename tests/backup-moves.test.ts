/**
 * Moves into a backup folder (`versions`, `backup-dir`) read from recorded rclone 1.60.1 logs of the same sync against
 * S3 (which copies, then deletes) and SFTP (which moves): both are one update and one deletion, as a plan says.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BackupMoves } from '../src/rclone/backup-moves.js'
import { LineSplitter, LogReader } from '../src/rclone/log-reader.js'
import { outcomeOf } from '../src/rclone/runner.js'

function read(file: string) {
  const changes: string[] = []
  const reader = new LogReader({ onChange: (kind, path) => changes.push(`${kind} ${path}`) })
  const lines = new LineSplitter((l) => reader.addLine(l))
  lines.push(readFileSync(new URL(`./fixtures/logs/${file}`, import.meta.url), 'utf8'))
  lines.end()
  return { outcome: outcomeOf(reader, 0, null), changes, raw: reader.stats }
}

describe('moves into a backup folder', () => {
  it.each([
    ['backup-dir-s3-1.60.1.jsonl', { transfers: 3, deletes: 3 }],
    ['backup-dir-sftp-1.60.1.jsonl', { transfers: 1, deletes: 1 }],
  ])('%s: one update and one deletion, whatever rclone counted (%o)', (file, raw) => {
    const { outcome, changes, raw: stats } = read(file)
    expect(stats).toMatchObject(raw)
    expect(outcome.stats).toMatchObject({ transfers: 1, deletes: 1 })
    expect(changes.sort()).toEqual(['delete deleted.txt', 'update changed.txt'])
    expect(outcome.changes).toMatchObject({ copy: { count: 0 }, update: { count: 1 }, delete: { count: 1 } })
  })

  it("a server-side copy not followed by a delete is the job's own copy, also at the end of the log", () => {
    const moves = new BackupMoves()
    const info = (object: string, msg: string) => ({ level: 'info' as const, object, msg })
    expect(moves.read(info('a', 'Copied (server-side copy)'), 'copy')).toEqual([])
    expect(moves.read(info('b', 'Copied (server-side copy)'), 'copy')).toEqual([])
    expect(moves.read(info('b', 'Deleted'), 'delete')).toEqual([])
    // S3 to S3 on one remote: the new version of b is a server-side copy too.
    expect(moves.read(info('b', 'Copied (server-side copy)'), 'copy')).toEqual(['update'])
    expect(moves.read(info('c', 'Deleted'), 'delete')).toEqual(['delete'])
    expect(moves.finish()).toEqual([{ kind: 'copy', object: 'a' }])
    expect(moves.copyDeleteMoves).toBe(1)
    // A dry run's lines are what they say.
    expect(
      moves.read({ level: 'notice', object: 'd', msg: 'Skipped copy', skipped: 'copy' }, 'copy'),
    ).toEqual(['copy'])
  })
})
