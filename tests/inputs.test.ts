/**
 * The action's inputs, read through the real @actions/core from INPUT_* variables: counts are decimal integers in a
 * sane range, and a bad one fails the step with a message that names the input, before any job file is read.
 */
import { describe, expect, it } from 'vitest'
import { MAX_PARALLEL_LIMIT, parseCount, SHARDS_LIMIT } from '../src/inputs.js'
import { tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

function workspace(): string {
  const ws = tempDir()
  writeTree(ws, { 'jobs/j.yml': 'source: src\ndestinations: [dst]\n' })
  return ws
}

describe('max-parallel and shards', () => {
  it.each([
    ['max-parallel', '0x10'],
    ['max-parallel', '1e3'],
    ['max-parallel', '1.0'],
    ['max-parallel', '0'],
    ['max-parallel', '-1'],
    ['max-parallel', String(MAX_PARALLEL_LIMIT + 1)],
    ['max-parallel', 'four'],
    ['shards', '0x10'],
    ['shards', '1e3'],
    ['shards', '2.5'],
    ['shards', String(SHARDS_LIMIT + 1)],
  ])('%s: %s fails the step with a message naming the input', async (name, value) => {
    const r = await runAction(workspace(), { command: 'validate', [name]: value })
    expect(r.failed).toBe(true)
    expect(r.log).toContain(`::error::"${name}" must be a whole number from`)
    expect(r.log).toContain(`not "${value}"`)
    expect(r.calls).toEqual([])
  })

  it('accepts decimal integers, with surrounding spaces, up to the bound', async () => {
    const r = await runAction(workspace(), {
      command: 'validate',
      'max-parallel': ` ${MAX_PARALLEL_LIMIT} `,
      shards: ` ${SHARDS_LIMIT}\n`,
    })
    expect(r.failed, r.log).toBe(false)
    expect(JSON.parse(r.outputs.matrix as string).include).toHaveLength(1)
  })

  it('parseCount reads decimal digits only', () => {
    expect(parseCount(' 4 ', 1, 64)).toBe(4)
    expect(parseCount('007', 1, 64)).toBe(7)
    for (const bad of ['0x10', '1e3', '1.0', '+4', '', ' ', '4 4', '٤'])
      expect(parseCount(bad, 0, 64)).toBeUndefined()
  })
})
