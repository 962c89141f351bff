/**
 * The names rclone bisync gives its listings, as measured with rclone 1.60.1 against Ceph RGW and OpenSSH (issue 20):
 * SFTP keeps an absolute path's leading slash in its root, S3 drops it. A wrong name loses the stored state on every
 * run ("cannot find prior Path1 or Path2 listings").
 */
import { describe, expect, it } from 'vitest'
import { remoteLookup } from '../src/places/remotes.js'
import { sessionName } from '../src/rclone/bisync-listings.js'

const settings = {
  cwd: '/work/scratch',
  version: '1.60.1',
  remote: remoteLookup('[sftp]\ntype = sftp\nhost = h\n\n[s3]\ntype = s3\n', {}),
}

describe('bisync listing names', () => {
  it.each([
    [
      'sftp:/tmp/rclone-jobs-sftp-k3bBM4/data/bs/docs',
      'work_scratch_src..sftp__tmp_rclone-jobs-sftp-k3bBM4_data_bs_docs',
    ],
    ['sftp:rel/bs4', 'work_scratch_src..sftp_rel_bs4'],
    ['s3:/bkt/bs3', 'work_scratch_src..s3_bkt_bs3'],
  ])('%s', (destination, name) => {
    expect(sessionName('src', destination, settings)).toBe(name)
  })
})
