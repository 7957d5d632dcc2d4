// yumda's lint rules (`npm run lint`, run by `npm test` before the tests): ESLint's and
// typescript-eslint's recommended sets over the sources, tests and scripts, all ES modules for Node.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default tseslint.config(
  { ignores: ['dist/**', '**/node_modules/**', 'coverage/**', '.tap/**'] },
  { basePath: root },
  js.configs.recommended,
  { languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // an argument or caught error named _ or _x is unused on purpose
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
