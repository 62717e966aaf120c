// ESLint flat config; `npm run lint` passes it with --config, as the top level holds no config files.
// Type-checked rules from typescript-eslint, formatting from @stylistic (`npm run format` applies it).
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'test/.build/', 'release/', 'node_modules/', '**/*.js'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Each file is checked against its nearest tsconfig.json: the root one, test/ or test/bench/.
      parserOptions: { projectService: true, tsconfigRootDir: new URL('..', import.meta.url).pathname },
    },
    rules: {
      // An async function without await is how a callback promises a value and turns a throw into a
      // rejection (fastify handlers, test doubles of resolvers and reloads); removing `async` would hide that.
      '@typescript-eslint/require-await': 'off',
      // A parameter named `_x` is unused on purpose: a hook that subclasses override.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.test.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.any(Number), expect.stringMatching(...)) are typed `any` by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  stylistic.configs.customize({ indent: 2, quotes: 'single', semi: true, commaDangle: 'always-multiline', braceStyle: '1tbs', arrowParens: true, quoteProps: 'as-needed' }),
  {
    rules: {
      // Long argument and property lists wrap where they reach the line's end, several items a line.
      '@stylistic/list-style': 'off',
      // Short guards stay on one line: `if (n > best) { best = n; at = i; }`.
      '@stylistic/max-statements-per-line': 'off',
      // "'" reads better than '\''.
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true }],
      // `function* gen()` and the method shorthand `*lines()`.
      '@stylistic/generator-star-spacing': ['error', { before: false, after: true, method: { before: true, after: false } }],
    },
  },
);
