/**
 * What every command works with: the parsed inputs, the outside world (`RunDeps`), where output goes, and the rclone
 * config, read, masked and written before anything else happens and removed when the command ends.
 */
import type { ActionInputs } from '../inputs.js'
import type { PlaceContext } from '../places/place.js'
import { cachedRealpath } from '../places/realpath.js'
import { configuredRemotes, remoteLookup } from '../places/remotes.js'
import { withoutOwnedVariables } from '../rclone/environment.js'
import type { RcloneRunner } from '../rclone/runner.js'
import { emptyConfig, prepareConfig, readDefaultConfig } from '../rclone/secrets.js'
import type { Reporter } from '../report/reporter.js'

/** What a command needs from the outside world; the action, the CLI and tests each pass their own. */
export interface RunDeps {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly now: () => number
  /** Resolves the rclone binary for the requested version: `system` means PATH. */
  readonly resolveRclone: (inputs: ActionInputs) => Promise<string>
  readonly makeRunner: (binary: string) => RcloneRunner
  /** Where output goes; the Actions runner by default. */
  readonly reporter?: Reporter
  /** When the step started (the time budget counts from it; `versions` folders are named after it). */
  readonly startedAt?: number
}

/** One command's world: inputs, dependencies with the config's environment, the reporter, and how places resolve. */
export interface Session {
  readonly inputs: ActionInputs
  readonly deps: RunDeps
  /** The environment for rclone: the runner's, with RCLONE_CONFIG pointing at the written config. */
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  readonly now: () => number
  readonly startedAt: number
  readonly out: Reporter
  readonly context: PlaceContext
  /** The remotes the config defines; undefined without any config. */
  readonly remotes: readonly string[] | undefined
}

/**
 * Opens a session: masks every secret and writes the config (refusing a value that is no config), then reads the
 * config rclone will use, so validation sees the same remotes. `close` removes the written config.
 */
export async function openSession(
  inputs: ActionInputs,
  deps: RunDeps,
  out: Reporter,
): Promise<{ session: Session; close: () => Promise<void> }> {
  let config = await prepareConfig(
    inputs.rcloneConfig,
    deps.env,
    deps.env.RUNNER_TEMP,
    (s) => out.mask(s),
    (m) => out.info(m),
  )
  try {
    // Without the input, rclone reads its own config file (a self-hosted runner's): validation reads it too.
    const configText = config.text || (await readDefaultConfig(config.env))
    if (configText === '' && config.env.RCLONE_CONFIG === undefined) {
      await config.cleanup()
      config = await emptyConfig(config.env, deps.env.RUNNER_TEMP)
    }
    const owned = withoutOwnedVariables(config.env)
    if (owned.dropped.length > 0)
      out.info(
        `rclone-jobs sets rclone's logging itself: ignoring ${owned.dropped.join(', ')} from the environment for every rclone it starts`,
      )
    const session: Session = {
      inputs,
      deps,
      env: owned.env,
      cwd: deps.cwd,
      now: deps.now,
      startedAt: deps.startedAt ?? deps.now(),
      out,
      context: { cwd: deps.cwd, remote: remoteLookup(configText, config.env), realpath: cachedRealpath() },
      remotes: configuredRemotes(configText, config.env),
    }
    return { session, close: () => config.cleanup() }
  } catch (e) {
    await config.cleanup()
    throw e
  }
}
