/** Bad command-line usage: exit code 2, message names the argument. */
export class UsageError extends Error {
  override name = 'UsageError';
}
