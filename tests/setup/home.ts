/**
 * Every test file runs with a HOME of its own: rclone writes what it learns into the config file under HOME (an
 * sftp remote's shell_type, say), and the action reads that file when no config is given. A developer's own rclone
 * config must neither leak into the tests nor be written by them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

const home = mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-home-'))
process.env.HOME = home
delete process.env.RCLONE_CONFIG
delete process.env.XDG_CONFIG_HOME
afterAll(() => rmSync(home, { recursive: true, force: true }))
