import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'dashboard/web/dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only config/ may read the environment: configuration is read and validated in one place.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through config/ only.' }],
    },
  },
  { files: ['config/**', 'scripts/**', 'bench/**', 'test/**', 'bin/**'], rules: { 'no-restricted-properties': 'off' } },
  { files: ['dashboard/web/**'], languageOptions: { globals: { ...globals.browser } } },
  // The data layer and the API contract stay in small modules (issue 9): a file that grows past this is split by aggregate.
  { files: ['registry/**/*.ts', 'api/**/*.ts'], rules: { 'max-lines': ['error', { max: 300 }] } },
);
