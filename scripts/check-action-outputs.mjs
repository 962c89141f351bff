// CI's `action` job: the outputs of the action's steps on the runnable jobs in jobs/ agree with each other and with
// SPEC.md. It reads them from environment variables, each a step output as written (JSON):
//   MATRIX (validate's matrix), PLAN, RUN, FAILED (run's failed-jobs), CHECK, REPLAN (a plan after the run).
// Every problem is printed as an error annotation; the exit code is 1 when there is any.

/** Why a result entry may be other than `success`: a disabled job is listed and never run. */
const isDisabled = (r) => r.status === 'skipped' && /^disabled\b/.test(r.reason ?? '')

/** The problems found in the outputs, as sentences. */
function outputProblems(outputs) {
  const problems = []
  const key = (r) => `${r.job} -> ${r.destination}`
  const { matrix, plan, run, failed, check, replan } = outputs
  if (!Array.isArray(matrix?.include) || matrix.include.length === 0) {
    problems.push(`validate's matrix output has no entries: ${JSON.stringify(matrix)}`)
  }
  if (!Array.isArray(failed) || failed.length > 0)
    problems.push(`run's failed-jobs is ${JSON.stringify(failed)}`)
  for (const [name, results] of Object.entries({ plan, run, check, replan })) {
    if (!Array.isArray(results) || results.length === 0) {
      problems.push(`${name}: the results output is empty`)
      continue
    }
    for (const r of results) {
      if (r.status !== 'success' && !isDisabled(r))
        problems.push(`${name}: ${key(r)} is ${r.status}: ${r.reason}`)
    }
  }
  // SPEC: a plan reports what a run would do from the same state, with the same numbers.
  const planned = new Map((plan ?? []).map((r) => [key(r), r]))
  for (const r of run ?? []) {
    if (isDisabled(r)) continue
    const p = planned.get(key(r))
    if (p === undefined) {
      problems.push(`run: ${key(r)} ran but was not planned`)
      continue
    }
    if (p.wouldCopy === null || p.wouldUpdate === null || r.transfers === null) {
      problems.push(
        `${key(r)}: a count is unknown (plan ${p.wouldCopy}+${p.wouldUpdate}, run ${r.transfers})`,
      )
    } else if (p.wouldCopy + p.wouldUpdate !== r.transfers) {
      problems.push(
        `${key(r)}: the plan said ${p.wouldCopy + p.wouldUpdate} transfers, the run made ${r.transfers}`,
      )
    }
    if (p.wouldDelete !== r.deletes) {
      problems.push(`${key(r)}: the plan said ${p.wouldDelete} deletions, the run made ${r.deletes}`)
    }
  }
  for (const r of check ?? []) {
    if (isDisabled(r)) continue
    if (r.missingOnDestination !== 0 || r.differ !== 0) {
      problems.push(
        `check after the run: ${key(r)} has ${r.missingOnDestination} missing, ${r.differ} different`,
      )
    }
  }
  for (const r of replan ?? []) {
    if (isDisabled(r)) continue
    if (r.wouldCopy !== 0 || r.wouldUpdate !== 0 || r.wouldDelete !== 0) {
      problems.push(
        `a plan after the run still has work for ${key(r)}: ${r.wouldCopy} to copy, ${r.wouldUpdate} to update, ${r.wouldDelete} to delete`,
      )
    }
  }
  return problems
}

const read = (name) => {
  try {
    return JSON.parse(process.env[name] || 'null')
  } catch (e) {
    return `unreadable ${name}: ${e.message}`
  }
}
const problems = outputProblems({
  matrix: read('MATRIX'),
  plan: read('PLAN'),
  run: read('RUN'),
  failed: read('FAILED'),
  check: read('CHECK'),
  replan: read('REPLAN'),
})
for (const p of problems) console.log(`::error::${p}`)
console.log(problems.length === 0 ? 'validate, plan, run and check agree' : `${problems.length} problems`)
process.exitCode = problems.length === 0 ? 0 : 1
