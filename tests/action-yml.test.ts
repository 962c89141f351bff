import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { z } from 'zod'
import { Inputs, Outputs } from '../src/constants.js'

const actionSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  author: z.string().optional(),
  branding: z.object({ icon: z.string(), color: z.string() }).optional(),
  inputs: z.record(
    z.string(),
    z.strictObject({ description: z.string().min(10), required: z.boolean(), default: z.string() }),
  ),
  outputs: z.record(z.string(), z.strictObject({ description: z.string().min(10) })),
  runs: z.strictObject({ using: z.literal('node24'), main: z.literal('dist/index.js') }),
})

describe('action.yml', () => {
  const action = actionSchema.parse(parse(readFileSync('action.yml', 'utf8')))

  it('declares exactly the inputs and outputs the code reads and writes, each with a description', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort())
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort())
  })

  it('has defaults that agree with SPEC.md', () => {
    expect(action.inputs.command?.default).toBe('run')
    expect(action.inputs.path?.default).toBe('jobs')
    expect(action.inputs['fail-fast']?.default).toBe('false')
  })
})
