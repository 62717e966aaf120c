/**
 * The V8 flags ptr-exporter runs with: `npm start`, the installed command's shebang line and the release
 * executables (their SEA config's execArgv) all pass them. A young generation of 2 MiB per semi-space
 * (V8's default grows to 16 MiB or more) keeps a prober of 10,000 targets about 30 MiB smaller, and the
 * short-lived objects of a probe or a log line die young either way. --expose-gc lets a large config's
 * parse garbage be collected before probing starts (config/load.ts).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--expose-gc'];
