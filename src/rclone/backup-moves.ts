/**
 * Moves into a backup folder (`--backup-dir`, which `versions` uses), told apart from the job's own copies and
 * deletions in rclone's per-file log. Before rclone replaces or deletes a file it moves the old one into the backup
 * folder (operations.MoveBackupDir -> Move, v1.60.1:fs/operations/operations.go): server-side where the backend can
 * move (local, SFTP, FTP: "Moved (server-side)"), else by a server-side copy and a delete (S3 and the other bucket
 * backends, which cannot move: "Copied (server-side copy)", then "Deleted"). Then it uploads the new version, which
 * it logs as "Copied (new)" since the old one is gone, or logs the deletion as "Moved into backup dir". Measured with
 * 1.60.1, one changed and one deleted file:
 *
 *     S3:    changed.txt: Copied (server-side copy) / Deleted / Copied (new)
 *            deleted.txt: Copied (server-side copy) / Deleted / Moved into backup dir
 *            stats: 3 transferred, 3 deleted, 2 renamed
 *     SFTP:  changed.txt: Moved (server-side) / Copied (new)
 *            deleted.txt: Moved (server-side) / Moved into backup dir
 *            stats: 1 transferred, 1 deleted, 2 renamed
 *
 * Read line by line, the update looks like a new file and, on S3, every move like a copy and a deletion more, and
 * rclone's stats count them so too (the copy as a transfer; the delete as a deletion, which its `--max-delete` also
 * counts). This reads the lines of each file in order (rclone logs one file's steps from one goroutine, in order;
 * other files' lines may come between) and says what the job did: one update, one deletion, on every backend, as a
 * dry run reports them. A server-side copy is held until the next line of the same file says what it was: a delete
 * makes it a move; anything else, or the end of the log, a copy of the job's own (S3 to S3 on one remote).
 */
import type { ChangeKind, RcloneLogEntry, RcloneStats } from './log-reader.js'

/** What the last line of a file left open. */
type Step = 'copied' | 'moved'

/** Tells moves into a backup folder from the job's changes, one file's lines at a time. */
export class BackupMoves {
  private readonly open = new Map<string, Step>()
  /** Moves done by a copy and a delete: each is one transfer and one deletion more in rclone's stats. */
  copyDeleteMoves = 0

  /**
   * The changes an entry stands for, given what it would be read alone (`alone`): none for a step of a move, two
   * when a held copy turns out to be the job's own.
   */
  read(e: RcloneLogEntry, alone: ChangeKind | undefined): ChangeKind[] {
    const object = e.object
    if (object === undefined || e.level !== 'info' || e.skipped !== undefined) return alone ? [alone] : []
    const before = this.open.get(object)
    const msg = e.msg
    if (msg.startsWith('Copied (server-side copy)')) {
      // After a move into the backup folder, a server-side copy is the new version (S3 to S3 on one remote).
      if (before === 'moved') return this.close(object, ['update'])
      this.open.set(object, 'copied')
      return before === 'copied' ? ['copy'] : []
    }
    if (msg === 'Deleted' && before === 'copied') {
      this.copyDeleteMoves++
      this.open.set(object, 'moved')
      return []
    }
    if (msg.startsWith('Moved (server-side)')) {
      this.open.set(object, 'moved')
      return before === 'copied' ? ['copy'] : []
    }
    if (msg === 'Moved into backup dir') return this.close(object, ['delete'])
    if (before === 'moved' && alone === 'copy') return this.close(object, ['update'])
    const held: ChangeKind[] = before === 'copied' ? ['copy'] : []
    if (before !== undefined) this.open.delete(object)
    return alone ? [...held, alone] : held
  }

  /** The changes still held at the end of the log: server-side copies that were the job's own. */
  finish(): Array<{ kind: ChangeKind; object: string }> {
    const out: Array<{ kind: ChangeKind; object: string }> = []
    for (const [object, step] of this.open) if (step === 'copied') out.push({ kind: 'copy', object })
    this.open.clear()
    return out
  }

  private close(object: string, kinds: ChangeKind[]): ChangeKind[] {
    this.open.delete(object)
    return kinds
  }
}

/**
 * rclone's stats without the moves into a backup folder done by a copy and a delete: what the job transferred and
 * deleted, the same on a backend that moves server-side and on one that cannot. The other numbers stay rclone's.
 */
export function withoutCopyDeleteMoves(stats: RcloneStats, moves: number): RcloneStats {
  if (moves === 0) return stats
  return {
    ...stats,
    transfers: Math.max(0, stats.transfers - moves),
    deletes: Math.max(0, stats.deletes - moves),
  }
}
