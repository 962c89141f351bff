/**
 * The errors that end a command with a message for users, never a stack trace. A basic module: every layer may
 * throw them, and only the entry points (the action's `run`, the CLI's `main`) catch them.
 */

/** Thrown for inputs a user must fix: the message is shown as is, without a stack. */
export class UserError extends Error {
  override readonly name: string = 'UserError'
}

/**
 * A `UserError` in how the action or the CLI was called (a `jobs` pattern that names no job, a path with no job
 * files): the action fails the step as for any `UserError`; the CLI exits 2, as for a bad flag.
 */
export class UsageError extends UserError {
  override readonly name: string = 'UsageError'
}
