// ESLint 9 flat config. Three kinds of code live here and each gets its own rules:
// LWC components (Salesforce's recommended LWC config), the TypeScript tooling (typescript-eslint), and the few
// plain Node files (bin, jest config, reporters). `gtm validate --only eslint` runs this through ESLint's Node API.
'use strict';

const eslintJs = require('@eslint/js');
const lwcConfig = require('@salesforce/eslint-config-lwc');
const tseslint = require('typescript-eslint');
// `globals` ships with ESLint's own dependency tree (and @salesforce/eslint-config-lwc depends on it).
const globals = require('globals');

const LWC_FILES = ['force-app/**/lwc/**/*.js'];
const TS_FILES = ['scripts/**/*.ts'];
const NODE_FILES = ['*.js', 'bin/**/*.js', 'scripts/**/*.js', 'config/**/*.js'];

/** Scopes a shared config array to some files, so LWC browser rules never apply to Node tooling. */
const scoped = (configs, files) => configs.map((c) => ({ ...c, files }));

module.exports = [
  {
    ignores: [
      '**/node_modules/**',
      '.gtm/**',
      'coverage/**',
      'mdapi*/**',
      '**/.sf/**',
      '**/.sfdx/**',
      '**/.localdevserver/**',
      'test-results/**',
      'dist/**'
    ]
  },

  // Lightning Web Components: the same rules Salesforce's own sample apps use.
  ...scoped(lwcConfig.configs.recommended, LWC_FILES),
  {
    files: ['force-app/**/lwc/**/__tests__/**/*.js', 'force-app/**/lwc/**/__mocks__/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } }
  },

  // The gtm tooling in TypeScript.
  ...scoped([eslintJs.configs.recommended, ...tseslint.configs.recommended], TS_FILES),
  {
    files: TS_FILES,
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a parameter an interface requires but this implementation does not use
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['scripts/**/__tests__/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } }
  },

  // Plain CommonJS Node files: the CLI launcher, jest config, this file, test reporters.
  {
    ...eslintJs.configs.recommended,
    files: NODE_FILES,
    languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022, globals: { ...globals.node } }
  }
];
